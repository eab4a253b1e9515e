/**
 * Uncertainty-weighted fusion of modality estimates (in the spirit of uncertainty-aware
 * multimodal fusion, e.g. Tellamekala et al. 2023 "COLD Fusion"): each modality's calibrated
 * distribution is pooled log-linearly (a weighted product of experts) with a weight that grows
 * with its prior reliability and its coverage of the span, and shrinks with its uncertainty
 * (normalised entropy). Any subset of modalities works; with one, fusion returns it unchanged.
 */
import { normalizedEntropy, valenceArousal } from "../emotion/affect.ts";
import { argmaxLabel, type Emotion, NUM_EMOTIONS } from "../emotion/labels.ts";
import type { Modality, ModalityEstimate } from "../modality/estimate.ts";

/** Options for {@linkcode fuse}. */
export interface FusionOptions {
  /** Prior reliability per modality, > 0. Default 1 each. */
  priors?: Partial<Record<Modality, number>>;
  /** Exponent on (1 − uncertainty); higher trusts confident modalities more. Default 1. */
  certaintyPower?: number;
  /** Floor on each probability before taking logs, so one zero cannot veto. Default 1e-4. */
  floor?: number;
}

/** The fused estimate with each modality's weight. */
export interface FusedEstimate {
  probs: number[];
  label: Emotion;
  confidence: number;
  uncertainty: number;
  valence: number;
  arousal: number;
  weights: Partial<Record<Modality, number>>;
}

/** Fuses one or more estimates; throws RangeError when given none. */
export function fuse(estimates: ModalityEstimate[], options: FusionOptions = {}): FusedEstimate {
  if (estimates.length === 0) throw new RangeError("fuse needs at least one estimate");
  const power = options.certaintyPower ?? 1;
  const floor = options.floor ?? 1e-4;
  const raw = estimates.map((e) => {
    const prior = options.priors?.[e.modality] ?? 1;
    return prior * Math.max(e.coverage, 0.05) * Math.pow(Math.max(1 - e.uncertainty, 0.01), power);
  });
  const total = raw.reduce((a, b) => a + b, 0);
  const weights: Partial<Record<Modality, number>> = {};
  const logp = new Array<number>(NUM_EMOTIONS).fill(0);
  estimates.forEach((e, i) => {
    const w = raw[i] / total;
    weights[e.modality] = w;
    for (let k = 0; k < NUM_EMOTIONS; k++) logp[k] += w * Math.log(Math.max(e.probs[k], floor));
  });
  const max = Math.max(...logp);
  const unnorm = logp.map((l) => Math.exp(l - max));
  const sum = unnorm.reduce((a, b) => a + b, 0);
  const probs = unnorm.map((v) => v / sum);
  const { valence, arousal } = valenceArousal(probs);
  return {
    probs,
    label: argmaxLabel(probs),
    confidence: Math.max(...probs),
    uncertainty: normalizedEntropy(probs),
    valence,
    arousal,
    weights,
  };
}
