import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { macroF1MultiLabel, microF1Subset, multiLabelPrediction, weightedF1 } from "./metrics.ts";

describe("text metrics", () => {
  it("weightedF1 weights each class's F1 by its support", () => {
    // class 0: tp 2 fp 1 fn 0 → 0.8 (support 2); class 1: tp 1 fp 0 fn 1 → 2/3 (support 2)
    assert.ok(Math.abs(weightedF1([0, 0, 1, 1], [0, 0, 0, 1], 2) - (0.8 * 2 + (2 / 3) * 2) / 4) < 1e-12);
  });
  it("microF1Subset ignores hits on the excluded class but counts confusions with it", () => {
    // subset {1,2}: tp 1 (1→1), fp 1 (0→2), fn 1 (2→0); the 0→0 hit does not count
    assert.ok(Math.abs(microF1Subset([1, 0, 2, 0], [1, 2, 0, 0], [1, 2]) - 0.5) < 1e-12);
  });
  it("macroF1MultiLabel averages binary F1 over classes", () => {
    assert.equal(macroF1MultiLabel([[0], [1]], [[0, 1], [1]], 2), (1 + 2 / 3) / 2);
  });
  it("multiLabelPrediction keeps the arg-max and classes over the threshold", () => {
    assert.deepEqual(multiLabelPrediction([0.1, 0.25, 0.65], 0.3), [2]);
    assert.deepEqual(multiLabelPrediction([0.35, 0.2, 0.45], 0.3), [0, 2]);
  });
});
