import assert from "node:assert/strict";
import type { EventBody, SessionEvent } from "../protocol/events.ts";
import { interruptedUtterances } from "./interrupted_utterances.ts";

function log(bodies: EventBody[]): SessionEvent[] {
  return bodies.map((b, i) => ({ ...b, seq: i + 1, sessionId: "s", wallMs: 0 }) as SessionEvent);
}

Deno.test("interruptedUtterances closes each participant's utterance left open by a crash, at its last media time", () => {
  const events = log([
    { type: "participant.joined", participantId: "a" },
    { type: "participant.joined", participantId: "b" },
    { type: "utterance.start", participantId: "a", utteranceId: "a-1", startMs: 100 },
    {
      type: "utterance.end",
      participantId: "a",
      utteranceId: "a-1",
      startMs: 100,
      endMs: 900,
      durationMs: 800,
      reason: "silence",
    },
    { type: "utterance.start", participantId: "a", utteranceId: "a-2", startMs: 1500 },
    { type: "utterance.start", participantId: "b", utteranceId: "b-1", startMs: 200 },
    { type: "error", participantId: "b", code: "overloaded", message: "x", recoverable: true },
  ]);
  assert.deepEqual(interruptedUtterances(events), [
    {
      type: "utterance.end",
      participantId: "a",
      utteranceId: "a-2",
      startMs: 1500,
      endMs: 1500,
      durationMs: 0,
      reason: "interrupted",
    },
    {
      type: "utterance.end",
      participantId: "b",
      utteranceId: "b-1",
      startMs: 200,
      endMs: 200,
      durationMs: 0,
      reason: "interrupted",
    },
  ]);
});

Deno.test("interruptedUtterances ends an open utterance at the latest partial estimate and ignores closed ones", () => {
  const partial = {
    type: "emotion.partial",
    participantId: "a",
    utteranceId: "a-1",
    startMs: 100,
    endMs: 2100,
  } as unknown as EventBody;
  const events = log([
    { type: "utterance.start", participantId: "a", utteranceId: "a-1", startMs: 100 },
    partial,
    { type: "utterance.start", participantId: "c", utteranceId: "c-1", startMs: 0 },
    { type: "participant.left", participantId: "c", reason: "end", mediaMs: 400 },
  ]);
  const out = interruptedUtterances(events);
  assert.equal(out.length, 1);
  assert.equal(out[0].utteranceId, "a-1");
  assert.equal(out[0].endMs, 2100);
  assert.equal(out[0].durationMs, 2000);
  assert.equal(interruptedUtterances([]).length, 0);
});
