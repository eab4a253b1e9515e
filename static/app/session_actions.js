/**
 * Two actions of the live view that must not disturb the call: an invite link (minted, shown and
 * copied; nothing navigates, so this page's own stream keeps running) and the timeline download
 * (fetched with the bearer token and saved from a Blob, since a plain link cannot carry a token).
 */
import { refusalText } from "./access.js";
import { joinLink } from "./credentials.js";
import { el } from "./dom.js";

/**
 * Mints an invite for one more participant, shows the link in `input` and copies it.
 * @param {import("./access.js").Access} access
 * @param {string} sessionId
 * @param {{input: HTMLInputElement, note: HTMLElement}} ui
 */
export async function shareInvite(access, sessionId, ui) {
  ui.note.textContent = "creating a link…";
  try {
    const { grant } = await access.invite(sessionId);
    const link = joinLink(location.origin, grant);
    ui.input.value = link;
    ui.input.select();
    try {
      await navigator.clipboard.writeText(link);
      ui.note.textContent = `Copied. Whoever opens it joins as ${grant.participantId}; your stream keeps running.`;
    } catch {
      ui.note.textContent = `Copy the link above (selected). Whoever opens it joins as ${grant.participantId}.`;
    }
    return link;
  } catch (err) {
    ui.note.textContent = `No link: ${refusalText(err)}`;
    return undefined;
  }
}

/**
 * Downloads the session's stored timeline (GET …/export?format=jsonl|csv) as a file.
 * @param {import("./access.js").Access} access
 * @param {string} sessionId
 * @param {"jsonl"|"csv"} format
 */
export async function downloadTimeline(access, sessionId, format) {
  const { blob, filename } = await access.exportTimeline(sessionId, format);
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  // The download has started once click() returns; the URL is freed a little later.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
