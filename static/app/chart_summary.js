/**
 * Text alternatives of a participant's charts (WCAG 1.1.1): what a sighted reader takes from the
 * canvas — the latest utterance estimate's leading classes, how many estimates and face-only
 * windows are drawn, and the shifts — as a sentence for the canvas's aria-label.
 */
import { EMOTIONS } from "./palette.js";
import { mediaTime, percent, signed } from "./format.js";

/** Classes named in the summary, most probable first. */
const TOP_CLASSES = 3;

function kindText(e) {
  return e.type === "emotion.partial" ? "partial" : e.type === "emotion.update" ? "final, updated" : "final";
}

/**
 * The probability chart in words.
 * @param {import("./session_model.js").ParticipantState} p
 */
export function describeProbabilities(p) {
  const who = p.label;
  const e = p.current;
  const finals = p.points.filter((q) => q.kind === "final").length;
  const windows = p.points.filter((q) => q.kind === "window").length;
  const parts = [`Emotion probabilities of ${who} over the last 2 minutes.`];
  if (!e) parts.push("No utterance estimate yet.");
  else {
    const top = e.probs.map((v, k) => [EMOTIONS[k], v]).sort((a, b) => b[1] - a[1]).slice(0, TOP_CLASSES);
    parts.push(
      `Latest utterance estimate (${kindText(e)}, ${mediaTime(e.startMs)}–${mediaTime(e.endMs)}): ` +
        top.map(([k, v]) => `${k} ${percent(v)}`).join(", ") + ".",
    );
  }
  parts.push(
    `${finals} final utterance estimate${finals === 1 ? "" : "s"} and ${windows} face-only window${
      windows === 1 ? "" : "s"
    } drawn.`,
  );
  const shifts = p.shifts.slice(-3);
  if (shifts.length) parts.push(`Shifts: ${shifts.map((s) => `to ${s.to} at ${mediaTime(s.endMs)}`).join(", ")}.`);
  return parts.join(" ");
}

/** The valence and arousal chart in words. */
export function describeAffect(p) {
  const e = p.current;
  if (!e) return `Valence and arousal of ${p.label}: no utterance estimate yet.`;
  return `Valence and arousal of ${p.label}, latest utterance estimate: valence ${signed(e.valence)}, arousal ${
    signed(e.arousal)
  } (both from −1 to +1).`;
}
