/**
 * Utterances a crash left open. After a hard kill the event history holds `utterance.start`
 * events with no matching `utterance.end`; the restoring code publishes a closing `utterance.end`
 * with reason `"interrupted"` for each, so every consumer sees every utterance closed.
 */
import type { SessionEvent, UtteranceEndEvent } from "../protocol/events.ts";

/**
 * For each participant whose last `utterance.start` has no later `utterance.end` with the same id,
 * the closing event to publish: reason `"interrupted"`, ending at the last media time the history
 * shows for that participant (the latest `endMs` or `mediaMs` of its events, at least the start).
 * Events must be in seq order. Pure: publishes nothing.
 */
export function interruptedUtterances(events: readonly SessionEvent[]): UtteranceEndEvent[] {
  const open = new Map<string, { utteranceId: string; startMs: number }>();
  const reached = new Map<string, number>();
  for (const e of events) {
    const pid = e.participantId;
    if (pid === undefined) continue;
    const t = "endMs" in e && typeof e.endMs === "number"
      ? e.endMs
      : "mediaMs" in e && typeof e.mediaMs === "number"
      ? e.mediaMs
      : "startMs" in e && typeof e.startMs === "number"
      ? e.startMs
      : undefined;
    if (t !== undefined) reached.set(pid, Math.max(reached.get(pid) ?? 0, t));
    if (e.type === "utterance.start") open.set(pid, { utteranceId: e.utteranceId, startMs: e.startMs });
    else if (e.type === "utterance.end" && open.get(pid)?.utteranceId === e.utteranceId) open.delete(pid);
    else if (e.type === "participant.left") open.delete(pid);
  }
  return [...open].map(([participantId, u]) => {
    const endMs = Math.max(u.startMs, reached.get(participantId) ?? u.startMs);
    return {
      type: "utterance.end",
      participantId,
      utteranceId: u.utteranceId,
      startMs: u.startMs,
      endMs,
      durationMs: endMs - u.startMs,
      reason: "interrupted",
    };
  });
}
