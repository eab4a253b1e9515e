/**
 * Reliability-weighted fusion of modality estimates (uncertainty-aware fusion in the spirit of
 * Tellamekala et al. 2023, "COLD Fusion", with a simpler, fitted reliability model): each
 * modality's calibrated distribution is pooled log-linearly (a weighted product of experts,
 * Hinton 2002; log-linear opinion pooling, Genest & Zidek 1986),
 *
 *   log p(k) = Σ_m w_m · log p_m(k) − log Z,   w_m = exp(b_m + c_m·(1 − u_m)) · min(1, coverage_m/r_m)^γ_m
 *
 * (times a fitted inverse temperature s_n for the number n of modalities present), so a modality that is unsure (high normalised entropy u_m), or saw little of the utterance
 * (low coverage: occluded face, dropped frames, little voiced audio), counts less. The
 * coefficients come from {@linkcode FusionParams} (fitted on validation data, docs/fusion.md).
 * Any subset of modalities works; a missing modality simply has no term.
 */
import { normalizedEntropy, valenceArousal } from "../emotion/affect.ts";
import { argmaxLabel, type Emotion, NUM_EMOTIONS, type Sentiment, SENTIMENTS } from "../emotion/labels.ts";
import type { Modality, ModalityEstimate } from "../modality/estimate.ts";
import { DEFAULT_FUSION_PARAMS, type FusionParams, type ModalityReliability } from "./fusion_params.ts";

/** Floor on each probability before taking logs, so one zero cannot veto a class. */
export const PROBABILITY_FLOOR = 1e-4;

/** Floor on coverage before the power, so a modality that is present never gets weight 0. */
const COVERAGE_FLOOR = 0.02;

/** Options for {@linkcode fuse}. */
export interface FusionOptions {
  /** Reliability coefficients. Default: lib/fusion/fusion_params.json. */
  params?: FusionParams;
}

/** The fused estimate with each modality's weight. */
export interface FusedEstimate {
  /** Fused probabilities in EMOTIONS order. */
  probs: number[];
  label: Emotion;
  /** Max fused probability, in [0, 1]. */
  confidence: number;
  /** Normalised entropy of `probs`, in [0, 1]. */
  uncertainty: number;
  /** Expectation of the class circumplex coordinates under `probs` (lib/emotion/affect.ts). */
  valence: number;
  arousal: number;
  /** 3-way sentiment; see {@linkcode fusedSentiment} for its derivation. */
  sentiment: Record<Sentiment, number>;
  /** Each modality's share of the total weight, in [0, 1]; they sum to 1. */
  weights: Partial<Record<Modality, number>>;
  /** Each modality's exponent in the pool, s_n · w_m. */
  reliability: Partial<Record<Modality, number>>;
}

/** The coverage term's base: coverage relative to an undamaged estimate's, in [COVERAGE_FLOOR, 1]. */
export function relativeCoverage(coverage: number, r: ModalityReliability): number {
  return Math.min(1, Math.max(COVERAGE_FLOOR, coverage / (r.coverageReference ?? 1)));
}

/** w_m of one estimate under one modality's coefficients. */
export function reliabilityWeight(
  e: Pick<ModalityEstimate, "uncertainty" | "coverage">,
  r: ModalityReliability,
): number {
  const certainty = 1 - Math.min(1, Math.max(0, e.uncertainty));
  return Math.exp(r.bias + r.certainty * certainty) * Math.pow(relativeCoverage(e.coverage, r), r.coverage);
}

/** Normalised weighted geometric pool of distributions (log-linear pooling). */
export function logLinearPool(dists: readonly ArrayLike<number>[], weights: readonly number[]): number[] {
  const logp = new Array<number>(NUM_EMOTIONS).fill(0);
  dists.forEach((p, i) => {
    for (let k = 0; k < NUM_EMOTIONS; k++) logp[k] += weights[i] * Math.log(Math.max(p[k], PROBABILITY_FLOOR));
  });
  const max = Math.max(...logp);
  const unnorm = logp.map((l) => Math.exp(l - max));
  const sum = unnorm.reduce((a, b) => a + b, 0);
  return unnorm.map((v) => v / sum);
}

/**
 * Sentiment of the fused estimate: the emotion distribution pushed through P(sentiment | emotion)
 * (counted on MELD train, FusionParams.emotionSentiment), mixed with the text model's own
 * sentiment head by the text's share of the fusion weight when text is present.
 */
export function fusedSentiment(
  probs: readonly number[],
  params: FusionParams,
  text?: { sentiment: Record<Sentiment, number>; share: number },
): Record<Sentiment, number> {
  const m = params.emotionSentiment.matrix;
  const fromEmotion = SENTIMENTS.map((_, s) => probs.reduce((acc, p, k) => acc + p * m[k][s], 0));
  const share = text ? Math.min(1, Math.max(0, text.share)) : 0;
  const out = {} as Record<Sentiment, number>;
  SENTIMENTS.forEach((s, i) => out[s] = share * (text?.sentiment[s] ?? 0) + (1 - share) * fromEmotion[i]);
  return out;
}

/** Fuses one or more estimates (at most one per modality); throws RangeError when given none. */
export function fuse(estimates: ModalityEstimate[], options: FusionOptions = {}): FusedEstimate {
  if (estimates.length === 0) throw new RangeError("fuse needs at least one estimate");
  const seen = new Set<Modality>();
  for (const e of estimates) {
    if (seen.has(e.modality)) throw new RangeError(`fuse got two ${e.modality} estimates`);
    if (e.probs.length !== NUM_EMOTIONS) throw new RangeError(`${e.modality}: expected ${NUM_EMOTIONS} probabilities`);
    seen.add(e.modality);
  }
  const params = options.params ?? DEFAULT_FUSION_PARAMS;
  const raw = estimates.map((e) => reliabilityWeight(e, params.modalities[e.modality]));
  const sharpness = params.sharpness?.[Math.min(3, estimates.length) - 1] ?? 1;
  const total = raw.reduce((a, b) => a + b, 0);
  const weights: Partial<Record<Modality, number>> = {};
  const reliability: Partial<Record<Modality, number>> = {};
  estimates.forEach((e, i) => {
    weights[e.modality] = raw[i] / total;
    reliability[e.modality] = sharpness * raw[i];
  });
  const probs = logLinearPool(estimates.map((e) => e.probs), raw.map((w) => sharpness * w));
  const text = estimates.find((e) => e.modality === "text" && e.sentiment);
  const sentiment = fusedSentiment(
    probs,
    params,
    text ? { sentiment: text.sentiment!, share: weights.text ?? 0 } : undefined,
  );
  return {
    probs,
    label: argmaxLabel(probs),
    confidence: Math.max(...probs),
    uncertainty: normalizedEntropy(probs),
    ...valenceArousal(probs),
    sentiment,
    weights,
    reliability,
  };
}
