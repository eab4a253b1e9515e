import assert from "node:assert/strict";
import { EMOTIONS } from "../emotion/labels.ts";
import type { Modality } from "../modality/estimate.ts";
import { type ShiftInput, ShiftTracker, totalVariation } from "./shift_tracker.ts";

/** A distribution with `p` on one class and the rest spread evenly. */
function peaked(label: string, p: number): number[] {
  const k = EMOTIONS.indexOf(label as typeof EMOTIONS[number]);
  return EMOTIONS.map((_, i) => (i === k ? p : (1 - p) / 6));
}

let clock = 0;
function utt(id: string, label: string, p: number, modalities: ShiftInput["modalities"] = {}): ShiftInput {
  const probs = peaked(label, p);
  const startMs = clock;
  clock += 2000;
  return { utteranceId: id, startMs, endMs: startMs + 1500, probs, confidence: p, modalities };
}

function run(tracker: ShiftTracker, us: ShiftInput[]) {
  return us.map((u) => tracker.update(u)).map((s, i) => (s ? { at: us[i].utteranceId, ...s } : null)).filter((s) => s);
}

Deno.test("ShiftTracker emits nothing for the first utterance or a steady state", () => {
  const t = new ShiftTracker({ persistence: 1 });
  assert.deepEqual(run(t, ["a", "b", "c", "d"].map((id) => utt(id, "neutral", 0.8))), []);
  assert.equal(t.state, "neutral");
});

Deno.test("ShiftTracker ignores a one-utterance flicker with persistence 2 and reports a sustained change", () => {
  const t = new ShiftTracker({ persistence: 2, minConfidence: 0.5, minSize: 0.3, stateMemory: 3 });
  const us = [
    utt("u1", "neutral", 0.8),
    utt("u2", "neutral", 0.8),
    utt("u3", "angry", 0.9), // flicker
    utt("u4", "neutral", 0.8),
    utt("u5", "angry", 0.9),
    utt("u6", "angry", 0.85),
  ];
  const shifts = run(t, us);
  assert.equal(shifts.length, 1);
  const s = shifts[0]!;
  assert.equal(s.at, "u6");
  assert.equal(s.from, "neutral");
  assert.equal(s.to, "angry");
  assert.deepEqual(s.toUtteranceIds, ["u5", "u6"]);
  assert.deepEqual(s.fromUtteranceIds, ["u1", "u2", "u4"]);
  assert.ok(Math.abs(s.confidence - 0.875) < 1e-4);
  assert.ok(s.size > 0.5 && s.size <= 1);
  assert.equal(s.startMs, us[4].startMs);
  assert.equal(s.endMs, us[5].endMs);
});

Deno.test("ShiftTracker does not shift on low-confidence or small changes", () => {
  const t = new ShiftTracker({ persistence: 1, minConfidence: 0.6, minSize: 0.3 });
  const shifts = run(t, [
    utt("a", "neutral", 0.5),
    utt("b", "sad", 0.4), // not confident enough
    utt("c", "sad", 0.55),
  ]);
  assert.deepEqual(shifts, []);
  // a confident change that is small in distribution: neutral 0.5 vs a 0.51 peak elsewhere
  const t2 = new ShiftTracker({ persistence: 1, minConfidence: 0.3, minSize: 0.6 });
  assert.deepEqual(run(t2, [utt("a", "neutral", 0.45), utt("b", "sad", 0.5)]), []);
});

Deno.test("ShiftTracker restarts the pending evidence when the candidate label changes", () => {
  const t = new ShiftTracker({ persistence: 2, minConfidence: 0.5, minSize: 0.2 });
  const shifts = run(t, [utt("a", "neutral", 0.8), utt("b", "happy", 0.8), utt("c", "sad", 0.8), utt("d", "sad", 0.8)]);
  assert.equal(shifts.length, 1);
  assert.equal(shifts[0]!.to, "sad");
  assert.deepEqual(shifts[0]!.toUtteranceIds, ["c", "d"]);
});

Deno.test("ShiftTracker names the modalities that drove the shift, strongest first", () => {
  const m = (voiceLabel: string, textLabel: string, faceLabel: string): ShiftInput["modalities"] => ({
    voice: { probs: peaked(voiceLabel, 0.7), weight: 0.2 },
    text: { probs: peaked(textLabel, 0.9), weight: 0.5 },
    face: { probs: peaked(faceLabel, 0.6), weight: 0.3 },
  } as Record<Modality, { probs: number[]; weight: number }>);
  const t = new ShiftTracker({ persistence: 1 });
  t.update(utt("a", "neutral", 0.8, m("neutral", "neutral", "neutral")));
  const s = t.update(utt("b", "happy", 0.8, m("happy", "happy", "neutral")))!;
  assert.deepEqual(s.drivenBy, ["text", "voice"]);
});

Deno.test("ShiftTracker.reset forgets the state", () => {
  const t = new ShiftTracker({ persistence: 1 });
  t.update(utt("a", "neutral", 0.9));
  t.reset();
  assert.equal(t.state, null);
  assert.equal(t.update(utt("b", "angry", 0.9)), null);
  assert.equal(t.state, "angry");
});

Deno.test("ShiftTracker rejects invalid options", () => {
  assert.throws(() => new ShiftTracker({ persistence: 0 }), RangeError);
  assert.throws(() => new ShiftTracker({ minConfidence: 1.5 }), RangeError);
  assert.throws(() => new ShiftTracker({ stateMemory: 1.5 }), RangeError);
});

Deno.test("totalVariation is 0 for equal and 1 for disjoint distributions", () => {
  assert.equal(totalVariation(peaked("sad", 1), peaked("sad", 1)), 0);
  assert.equal(totalVariation(peaked("sad", 1), peaked("happy", 1)), 1);
});

Deno.test("ShiftTracker with default options waits for a second utterance before shifting", () => {
  const t = new ShiftTracker();
  assert.equal(t.update(utt("a", "neutral", 0.6)), null);
  assert.equal(t.update(utt("b", "sad", 0.6)), null);
  const s = t.update(utt("c", "sad", 0.6));
  assert.equal(s?.to, "sad");
  assert.deepEqual(s?.toUtteranceIds, ["b", "c"]);
});
