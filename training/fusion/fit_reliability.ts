/**
 * Fits the reliability coefficients of lib/fusion/fuse.ts (bias_m and certainty_m per modality)
 * by minimising the negative log-likelihood of the fused distribution on labelled examples, with
 * full-batch Adam (Kingma & Ba 2015) and a small L2 penalty. The coverage exponent is fitted only
 * for the modalities named in `fitCoverage` (those whose examples vary coverage for real), kept ≥ 0;
 * the others keep their starting value.
 */
import { NUM_EMOTIONS } from "../../lib/emotion/labels.ts";
import { PROBABILITY_FLOOR, relativeCoverage, reliabilityWeight } from "../../lib/fusion/fuse.ts";
import type { FusionParams } from "../../lib/fusion/fusion_params.ts";
import type { Modality } from "../../lib/modality/estimate.ts";

/** One modality's part of a training example. */
export interface Part {
  modality: Modality;
  probs: number[];
  uncertainty: number;
  coverage: number;
}

/** A labelled example: some modalities' estimates of one (combined) utterance. */
export interface Example {
  label: number;
  parts: Part[];
}

const MODS: Modality[] = ["voice", "face", "text"];

/** Mean NLL of the fused distributions under params. */
export function meanNll(examples: readonly Example[], params: FusionParams): number {
  let total = 0;
  for (const ex of examples) {
    const z = new Array<number>(NUM_EMOTIONS).fill(0);
    const sharp = params.sharpness?.[ex.parts.length - 1] ?? 1;
    for (const p of ex.parts) {
      const w = sharp * reliabilityWeight(p, params.modalities[p.modality]);
      for (let k = 0; k < NUM_EMOTIONS; k++) z[k] += w * Math.log(Math.max(p.probs[k], PROBABILITY_FLOOR));
    }
    const max = Math.max(...z);
    const lse = max + Math.log(z.reduce((a, v) => a + Math.exp(v - max), 0));
    total += lse - z[ex.label];
  }
  return total / examples.length;
}

/** Fits bias and certainty per modality and the sharpness per modality count; returns new params (coverage exponents kept). */
export function fitReliability(
  examples: readonly Example[],
  start: FusionParams,
  options: { iterations?: number; learningRate?: number; l2?: number; fitCoverage?: Modality[] } = {},
): FusionParams {
  const iters = options.iterations ?? 400, lr = options.learningRate ?? 0.05, l2 = options.l2 ?? 1e-3;
  const fitCov = MODS.map((m) => options.fitCoverage?.includes(m) ?? false);
  const params: FusionParams = structuredClone(start);
  // θ = [bias, certainty, coverage exponent] per modality
  const theta = MODS.flatMap((m) => [
    params.modalities[m].bias,
    params.modalities[m].certainty,
    params.modalities[m].coverage,
  ]);
  // then log s_n for n = 1, 2, 3 modalities present
  const S0 = theta.length;
  theta.push(...(params.sharpness ?? [1, 1, 1]).map(Math.log));
  const mAdam = new Array(theta.length).fill(0), vAdam = new Array(theta.length).fill(0);
  const logs = examples.map((ex) => ex.parts.map((p) => p.probs.map((x) => Math.log(Math.max(x, PROBABILITY_FLOOR)))));
  for (let t = 1; t <= iters; t++) {
    MODS.forEach((m, i) => {
      params.modalities[m].bias = theta[3 * i];
      params.modalities[m].certainty = theta[3 * i + 1];
      params.modalities[m].coverage = theta[3 * i + 2];
    });
    params.sharpness = theta.slice(S0).map(Math.exp);
    const grad = new Array(theta.length).fill(0);
    examples.forEach((ex, e) => {
      const n = ex.parts.length;
      const sharp = params.sharpness![n - 1];
      const w = ex.parts.map((p) => reliabilityWeight(p, params.modalities[p.modality]));
      const z = new Array<number>(NUM_EMOTIONS).fill(0);
      ex.parts.forEach((_, j) => logs[e][j].forEach((l, k) => z[k] += sharp * w[j] * l));
      const max = Math.max(...z);
      const ez = z.map((v) => Math.exp(v - max));
      const s = ez.reduce((a, b) => a + b, 0);
      ex.parts.forEach((p, j) => {
        let g = -logs[e][j][ex.label];
        for (let k = 0; k < NUM_EMOTIONS; k++) g += (ez[k] / s) * logs[e][j][k];
        // ∂NLL/∂log s_n = s_n · Σ_m w_m g_m; ∂NLL/∂w_m = s_n · g_m
        grad[S0 + n - 1] += (sharp * w[j] * g) / examples.length;
        const dw = sharp * g;
        const i = MODS.indexOf(p.modality);
        grad[3 * i] += (dw * w[j]) / examples.length;
        grad[3 * i + 1] += (dw * w[j] * (1 - p.uncertainty)) / examples.length;
        // w = … · relativeCoverage^γ, so ∂w/∂γ = w · log(relativeCoverage)
        const rc = relativeCoverage(p.coverage, params.modalities[p.modality]);
        grad[3 * i + 2] += (dw * w[j] * Math.log(rc)) / examples.length;
      });
    });
    for (let i = 0; i < theta.length; i++) {
      if (i < S0 && i % 3 === 2 && !fitCov[(i - 2) / 3]) continue;
      const g = grad[i] + 2 * l2 * theta[i];
      mAdam[i] = 0.9 * mAdam[i] + 0.1 * g;
      vAdam[i] = 0.999 * vAdam[i] + 0.001 * g * g;
      const mh = mAdam[i] / (1 - 0.9 ** t), vh = vAdam[i] / (1 - 0.999 ** t);
      theta[i] -= (lr * mh) / (Math.sqrt(vh) + 1e-8);
      if (i < S0 && i % 3 === 2) theta[i] = Math.max(0, theta[i]);
    }
  }
  MODS.forEach((m, i) => {
    params.modalities[m].bias = round(theta[3 * i]);
    params.modalities[m].certainty = round(theta[3 * i + 1]);
    params.modalities[m].coverage = round(theta[3 * i + 2]);
  });
  params.sharpness = theta.slice(S0).map((x) => round(Math.exp(x)));
  return params;
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
