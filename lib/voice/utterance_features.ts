/**
 * Offline feature vector of a whole utterance: the same extractor and functionals as the
 * live {@linkcode VoiceStream}, run over a complete signal. The training cache uses this.
 */
import { extractLlds } from "./lld_extractor.ts";
import { LLD, LLD_COUNT } from "./lld_names.ts";
import { computeFunctionals } from "./functionals.ts";

/** Feature vector of an utterance with its frame count and voiced fraction. */
export interface UtteranceFeatures {
  features: Float64Array;
  frames: number;
  /** Fraction of frames with F0 > 0, in [0, 1]. */
  voicedRatio: number;
}

/** Computes the features of 16 kHz mono `samples`; null when shorter than one 60 ms frame. */
export function utteranceFeatures(samples: Float32Array): UtteranceFeatures | null {
  const llds = extractLlds(samples);
  const frames = llds.length / LLD_COUNT;
  const features = computeFunctionals(llds, frames);
  if (!features) return null;
  let voiced = 0;
  for (let t = 0; t < frames; t++) if (llds[t * LLD_COUNT + LLD.f0] > 0) voiced++;
  return { features, frames, voicedRatio: voiced / frames };
}
