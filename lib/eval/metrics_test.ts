import assert from "node:assert/strict";
import { classificationMetrics, expectedCalibrationError, selectiveAccuracy } from "./metrics.ts";
import { referenceIndex } from "./labels.ts";

const oneHot = (k: number, p = 1) => Array.from({ length: 7 }, (_, i) => (i === k ? p : (1 - p) / 6));

Deno.test("classificationMetrics computes accuracy, UAR and weighted F1 of a hand-checked case", () => {
  // references: 3 neutral, 1 happy; predictions: neutral, neutral, happy, happy
  const m = classificationMetrics([oneHot(0), oneHot(0), oneHot(1), oneHot(1)], [0, 0, 0, 1]);
  assert.equal(m.accuracy, 0.75);
  // recall neutral 2/3, happy 1 → UAR 5/6
  assert.ok(Math.abs(m.uar - 5 / 6) < 1e-12);
  // F1 neutral: p 1, r 2/3 → 0.8; happy: p 0.5, r 1 → 2/3; weighted 0.75·0.8 + 0.25·2/3
  assert.ok(Math.abs(m.weightedF1 - (0.6 + 1 / 6)) < 1e-12);
  assert.equal(m.recall.sad, null);
  assert.deepEqual(m.confusion[0], [2, 1, 0, 0, 0, 0, 0]);
});

Deno.test("expectedCalibrationError is 0 for calibrated bins and |acc − conf| otherwise", () => {
  // four items at confidence 0.5, half right → calibrated
  const probs = [oneHot(0, 0.5), oneHot(0, 0.5), oneHot(1, 0.5), oneHot(1, 0.5)];
  assert.ok(expectedCalibrationError(probs, [0, 1, 1, 0]) < 1e-12);
  // all at 0.9 and all wrong → 0.9
  assert.ok(Math.abs(expectedCalibrationError([oneHot(2, 0.9), oneHot(2, 0.9)], [0, 0]) - 0.9) < 1e-12);
});

Deno.test("selectiveAccuracy scores only the most confident share", () => {
  const probs = [oneHot(0, 0.9), oneHot(1, 0.8), oneHot(2, 0.3), oneHot(3, 0.2)];
  assert.equal(selectiveAccuracy(probs, [0, 1, 0, 0], 0.5), 1);
  assert.equal(selectiveAccuracy(probs, [0, 1, 0, 0], 1), 0.5);
});

Deno.test("referenceIndex maps corpus synonyms to our classes", () => {
  assert.equal(referenceIndex("joy"), 1);
  assert.equal(referenceIndex("Calm"), 0);
  assert.equal(referenceIndex("surprise"), 6);
  assert.equal(referenceIndex("boredom"), -1);
});
