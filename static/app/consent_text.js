/**
 * The words of the consent step (issue 10): what is computed, who sees it, how long it is kept.
 * Pure functions of the server's /v1/health and the session's viewers, tested in Deno.
 */

/** Said when /v1/health does not state the retention (the server's documented default). */
export const DEFAULT_RETENTION_TEXT = "30 days by default";

/** A duration in ms in words: "30 days", "12 hours", "45 minutes". */
export function durationText(ms) {
  const units = [["day", 86_400_000], ["hour", 3_600_000], ["minute", 60_000], ["second", 1000]];
  for (const [name, size] of units) {
    if (ms >= size) {
      const n = Math.round((ms / size) * 10) / 10;
      return `${n} ${name}${n === 1 ? "" : "s"}`;
    }
  }
  return `${Math.round(ms)} ms`;
}

/** "30d", "12h", "90m", "3600s" or a plain number of seconds → ms; undefined otherwise. */
function parseDuration(x) {
  if (typeof x === "number" && Number.isFinite(x)) return x * 1000;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(String(x ?? "").trim());
  if (!m) return undefined;
  const scale = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? "s"];
  return Number(m[1]) * scale;
}

/**
 * How long the server keeps a session's data, from /v1/health when it says (`retention` as
 * "30d"/seconds or `{days|ms|s}`, `retentionMs`, `retentionS`, `retentionDays`, or the same under
 * `store`), else DEFAULT_RETENTION_TEXT. A retention of 0 or "off" means kept until erased.
 */
export function retentionText(health) {
  const sources = [health, health?.store].filter((x) => x && typeof x === "object");
  for (const h of sources) {
    let ms;
    const r = h.retention;
    if (r === 0 || r === "off" || r === false) return "until the session is erased (no automatic deletion)";
    if (r && typeof r === "object") {
      ms = r.ms ?? (r.s !== undefined ? r.s * 1000 : r.days !== undefined ? r.days * 86_400_000 : undefined);
    } else if (r !== undefined) ms = parseDuration(r);
    ms ??= h.retentionMs ?? (h.retentionS !== undefined ? h.retentionS * 1000 : undefined) ??
      (h.retentionDays !== undefined ? h.retentionDays * 86_400_000 : undefined);
    if (Number.isFinite(ms) && ms > 0) return durationText(ms);
  }
  return DEFAULT_RETENTION_TEXT;
}

/** The viewers of a session in words: "Alice (view), admin (admin)"; "nobody else yet" when none. */
export function viewersText(viewers) {
  if (!Array.isArray(viewers) || viewers.length === 0) return "nobody is watching yet";
  return viewers.map((v) => `${v.name || v.viewerId}${v.role ? ` (${v.role})` : ""}`).join(", ");
}
