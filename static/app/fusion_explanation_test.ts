import assert from "node:assert/strict";
import { explainFusion } from "./fusion_explanation.js";
import { describeMissing } from "./missing_reasons.js";
import { EMOTIONS } from "./palette.js";

/** A distribution over EMOTIONS from a {label: p} map, the rest spread evenly. */
function dist(spec: Record<string, number>): number[] {
  const rest = (1 - Object.values(spec).reduce((a, b) => a + b, 0)) / (EMOTIONS.length - Object.keys(spec).length);
  return EMOTIONS.map((e) => spec[e] ?? rest);
}

/** Log-linear pool as lib/fusion/fuse.ts computes it, to build events whose label is the server's. */
function pool(ds: number[][], ws: number[]): number[] {
  const l = EMOTIONS.map((_, k) => ds.reduce((a, d, i) => a + ws[i] * Math.log(Math.max(d[k], 1e-4)), 0));
  const max = Math.max(...l);
  const u = l.map((x) => Math.exp(x - max));
  const s = u.reduce((a, b) => a + b, 0);
  return u.map((x) => x / s);
}

Deno.test("explainFusion shows why voice surprised + face neutral pools to angry", () => {
  const voice = dist({ surprised: 0.5, angry: 0.35, neutral: 0.0005 });
  const face = dist({ neutral: 0.6, angry: 0.3, surprised: 0.0005 });
  const probs = pool([voice, face], [0.55, 0.45]);
  const label = EMOTIONS[probs.indexOf(Math.max(...probs))];
  assert.equal(label, "angry");
  const e = {
    label,
    probs,
    modalities: {
      voice: { probs: voice, label: "surprised", weight: 0.55 },
      face: { probs: face, label: "neutral", weight: 0.45 },
    },
  };
  const x = explainFusion(e)!;
  assert.equal(x.matchesModality, false);
  assert.equal(x.pooledLabel, "angry");
  assert.deepEqual(x.candidates.map((c) => c.label), ["angry", "surprised", "neutral"]);
  // The fused label has the highest pooled score; each part is w · log p.
  assert.ok(x.candidates[0].total > x.candidates[1].total && x.candidates[0].total > x.candidates[2].total);
  const v = x.candidates[0].parts[0];
  assert.equal(v.modality, "voice");
  assert.ok(Math.abs(v.contribution - 0.55 * Math.log(0.35)) < 1e-12);
  // Face all but rules out surprised: its contribution there is large and negative.
  assert.ok(x.candidates[1].parts[1].contribution < -3);
});

Deno.test("explainFusion marks a label some modality chose and refuses events without modality probabilities", () => {
  const voice = dist({ happy: 0.6 });
  const x = explainFusion({ label: "happy", modalities: { voice: { probs: voice, label: "happy", weight: 1 } } })!;
  assert.equal(x.matchesModality, true);
  assert.deepEqual(x.candidates.map((c) => c.label), ["happy"]);
  assert.equal(explainFusion({ label: "happy", modalities: {} }), undefined);
  assert.equal(
    explainFusion({ label: "bored", modalities: { voice: { probs: voice, label: "happy", weight: 1 } } }),
    undefined,
  );
});

Deno.test("describeMissing reads both the schema-1 names and the schema-2 {modality, reason} objects", () => {
  assert.deepEqual(describeMissing(["face", "text"]).map((m) => m.text), ["face: no data", "text: no data"]);
  assert.deepEqual(
    describeMissing([{ modality: "voice", reason: "too_quiet" }, { modality: "face", reason: "new_reason" }, null]),
    [
      { modality: "voice", reason: "too_quiet", text: "voice: too quiet to analyse" },
      { modality: "face", reason: "new_reason", text: "face: new reason" },
    ],
  );
  assert.deepEqual(describeMissing(undefined), []);
});
