import assert from "node:assert/strict";
import { normalizedEntropy, valenceArousal } from "../emotion/affect.ts";
import type { Modality, ModalityEstimate } from "../modality/estimate.ts";
import { fuse, fusedSentiment, logLinearPool, reliabilityWeight } from "./fuse.ts";
import { type FusionParams, UNFITTED_FUSION_PARAMS, validateFusionParams } from "./fusion_params.ts";
import { summarizeEmotion } from "./emotion_summary.ts";

function est(
  modality: Modality,
  probs: number[],
  coverage = 1,
  extra: Partial<ModalityEstimate> = {},
): ModalityEstimate {
  return {
    modality,
    probs,
    confidence: Math.max(...probs),
    uncertainty: normalizedEntropy(probs),
    ...valenceArousal(probs),
    coverage,
    model: `${modality}@test`,
    ...extra,
  };
}

const SURE_HAPPY = [0.02, 0.88, 0.02, 0.02, 0.02, 0.02, 0.02];
const UNSURE_ANGRY = [0.13, 0.12, 0.13, 0.22, 0.14, 0.13, 0.13];
const UNIFORM = new Array(7).fill(1 / 7);

/** Params that reward certainty and coverage (shape only; shipped values are fitted). */
const CERTAINTY_PARAMS: FusionParams = {
  ...UNFITTED_FUSION_PARAMS,
  modalities: {
    voice: { bias: 0, certainty: 2, coverage: 1 },
    face: { bias: 0, certainty: 2, coverage: 1 },
    text: { bias: 0, certainty: 2, coverage: 1 },
  },
};

Deno.test("fuse returns a single full-coverage estimate unchanged under the unfitted default", () => {
  const f = fuse([est("voice", SURE_HAPPY)], { params: UNFITTED_FUSION_PARAMS });
  SURE_HAPPY.forEach((p, k) => assert.ok(Math.abs(f.probs[k] - p) < 1e-9));
  assert.equal(f.label, "happy");
  assert.deepEqual(f.weights, { voice: 1 });
});

Deno.test("fuse gives a sure modality more weight than an unsure one when certainty is rewarded", () => {
  const f = fuse([est("voice", UNSURE_ANGRY), est("text", SURE_HAPPY)], { params: CERTAINTY_PARAMS });
  assert.ok(f.weights.text! > f.weights.voice!);
  assert.equal(f.label, "happy");
  assert.ok(Math.abs(f.weights.text! + f.weights.voice! - 1) < 1e-12);
});

Deno.test("fuse discounts a modality as its coverage drops", () => {
  const weights = [1, 0.5, 0.1].map((c) =>
    fuse([est("face", SURE_HAPPY, c), est("voice", UNSURE_ANGRY)], { params: CERTAINTY_PARAMS }).weights.face!
  );
  assert.ok(weights[0] > weights[1] && weights[1] > weights[2], `weights ${weights}`);
});

Deno.test("fuse works for every subset of modalities and its probabilities sum to 1", () => {
  const all = [est("voice", UNSURE_ANGRY, 0.6), est("face", SURE_HAPPY, 0.8), est("text", UNIFORM)];
  for (let mask = 1; mask < 8; mask++) {
    const subset = all.filter((_, i) => mask & (1 << i));
    const f = fuse(subset);
    assert.ok(Math.abs(f.probs.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    assert.deepEqual(Object.keys(f.weights).sort(), subset.map((e) => e.modality).sort());
    assert.ok(f.confidence >= 1 / 7 && f.confidence <= 1);
  }
});

Deno.test("fuse rejects no estimates, duplicates and wrong lengths", () => {
  assert.throws(() => fuse([]), RangeError);
  assert.throws(() => fuse([est("voice", SURE_HAPPY), est("voice", UNIFORM)]), RangeError);
  assert.throws(() => fuse([est("voice", [0.5, 0.5])]), RangeError);
});

Deno.test("logLinearPool with equal unit weights is the normalised product", () => {
  const a = [0.5, 0.2, 0.1, 0.1, 0.05, 0.03, 0.02], b = [0.1, 0.6, 0.1, 0.1, 0.05, 0.03, 0.02];
  const prod = a.map((x, k) => x * b[k]);
  const z = prod.reduce((s, x) => s + x, 0);
  logLinearPool([a, b], [1, 1]).forEach((p, k) => assert.ok(Math.abs(p - prod[k] / z) < 1e-9));
});

Deno.test("reliabilityWeight follows exp(bias + certainty·(1−u))·coverage^γ", () => {
  const w = reliabilityWeight({ uncertainty: 0.25, coverage: 0.5 }, { bias: 0.3, certainty: 1.5, coverage: 2 });
  assert.ok(Math.abs(w - Math.exp(0.3 + 1.5 * 0.75) * 0.25) < 1e-12);
});

Deno.test("fusedSentiment maps emotions through P(sentiment|emotion) and mixes the text head by its share", () => {
  const happy = [0, 1, 0, 0, 0, 0, 0];
  assert.deepEqual(fusedSentiment(happy, UNFITTED_FUSION_PARAMS), { negative: 0, neutral: 0, positive: 1 });
  const s = fusedSentiment(happy, UNFITTED_FUSION_PARAMS, {
    sentiment: { negative: 1, neutral: 0, positive: 0 },
    share: 0.25,
  });
  assert.deepEqual(s, { negative: 0.25, neutral: 0, positive: 0.75 });
});

Deno.test("validateFusionParams rejects a negative coverage exponent and a bad sentiment matrix", () => {
  const bad = structuredClone(UNFITTED_FUSION_PARAMS);
  bad.modalities.face.coverage = -1;
  assert.throws(() => validateFusionParams(bad));
  const bad2 = structuredClone(UNFITTED_FUSION_PARAMS);
  bad2.emotionSentiment.matrix[0] = [0.5, 0.1, 0.1];
  assert.throws(() => validateFusionParams(bad2));
});

Deno.test("summarizeEmotion reports weights, sentiment and the missing modalities", () => {
  const s = summarizeEmotion([
    est("voice", UNSURE_ANGRY, 0.7),
    null,
    est("text", SURE_HAPPY, 1, {
      sentiment: { negative: 0.1, neutral: 0.2, positive: 0.7 },
    }),
  ])!;
  assert.deepEqual(s.missing, [{ modality: "face", reason: "no_face_frames" }]);
  assert.ok(Math.abs(s.modalities.voice!.weight + s.modalities.text!.weight - 1) < 1e-3);
  assert.ok(s.sentiment!.positive > s.sentiment!.negative);
  assert.equal(summarizeEmotion([null, undefined]), null);
});

Deno.test("summarizeEmotion says why each missing modality is missing", () => {
  const s = summarizeEmotion([null, est("face", SURE_HAPPY, 1), null], undefined, {
    voice: "digital_silence",
    text: "model_unavailable",
  })!;
  assert.deepEqual(s.missing, [
    { modality: "voice", reason: "digital_silence" },
    { modality: "text", reason: "model_unavailable" },
  ]);
});
