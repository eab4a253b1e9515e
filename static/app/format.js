/** Text formatting of the numbers the dashboard shows. */

/** A fraction in [0, 1] as a whole percentage, e.g. 0.624 → "62 %". */
export function percent(x) {
  return Number.isFinite(x) ? `${Math.round(x * 100)} %` : "–";
}

/** A signed value in [-1, 1] with two decimals and an explicit sign, e.g. "+0.42". */
export function signed(x) {
  if (!Number.isFinite(x)) return "–";
  const s = x.toFixed(2);
  return x >= 0 ? `+${s}` : s;
}

/** A media time in ms as m:ss.t, e.g. 83450 → "1:23.4". */
export function mediaTime(ms) {
  if (!Number.isFinite(ms)) return "–";
  const totalTenths = Math.max(0, Math.round(ms / 100));
  const m = Math.floor(totalTenths / 600);
  const s = (totalTenths % 600) / 10;
  return `${m}:${s.toFixed(1).padStart(4, "0")}`;
}

/** A duration in ms as seconds with one decimal, e.g. 1530 → "1.5 s". */
export function seconds(ms) {
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : "–";
}
