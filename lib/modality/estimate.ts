/**
 * What every modality stage hands to fusion: a calibrated distribution over the seven
 * emotions with its uncertainty, for one span of one participant's media clock.
 */
import type { Sentiment } from "../emotion/labels.ts";

/** The three modalities. */
export type Modality = "voice" | "face" | "text";

/** One modality's opinion about one span (an utterance or a partial window). */
export interface ModalityEstimate {
  modality: Modality;
  /** Calibrated probabilities in EMOTIONS order; they sum to 1. */
  probs: number[];
  /** Max calibrated probability, in [0, 1]. */
  confidence: number;
  /** Normalised entropy of `probs`, in [0, 1]; 1 means no information. */
  uncertainty: number;
  /** Valence in [-1, 1] (see lib/emotion/affect.ts for its derivation). */
  valence: number;
  /** Arousal in [-1, 1]. */
  arousal: number;
  /** Fraction of the span this modality had usable data for, in [0, 1]. */
  coverage: number;
  /** Text only: 3-way sentiment probabilities. */
  sentiment?: Record<Sentiment, number>;
  /** Model name and version that produced the estimate. */
  model: string;
}

/** The span a modality is asked about, on the participant's media clock (ms). */
export interface AnalysisSpan {
  utteranceId: string;
  startMs: number;
  endMs: number;
  /** True for the utterance's final estimate, false for a partial window. */
  final: boolean;
}
