/**
 * How ASR text enters fusion: a text estimate made from recognised words is only as good as the
 * words, so its coverage (the share of the span the modality had usable data for) is multiplied
 * by the transcript's calibrated confidence, the measured probability that a word is right
 * (lib/asr/confidence_calibration.ts). Fusion then discounts it through the text coverage term
 * (lib/fusion/fuse.ts: w_text ∝ coverage^γ_text). Client transcripts keep coverage 1.
 */
import type { ModalityEstimate } from "../modality/estimate.ts";

/** The estimate with its coverage scaled by an ASR confidence in [0, 1]. */
export function withAsrCoverage(est: ModalityEstimate, confidence: number): ModalityEstimate {
  const c = Math.min(1, Math.max(0, Number.isFinite(confidence) ? confidence : 0));
  return { ...est, coverage: est.coverage * c };
}
