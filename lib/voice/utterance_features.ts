/**
 * Offline feature vector of a whole utterance: the same extractor and functionals as the
 * live {@linkcode VoiceStream}, run over a complete signal. The training cache uses this.
 */
import { extractLlds } from "./lld_extractor.ts";
import { HOP_MS, LLD, LLD_COUNT } from "./lld_names.ts";
import { computeFunctionals } from "./functionals.ts";

/** Feature vector of an utterance with its frame count and voiced fraction. */
export interface UtteranceFeatures {
  features: Float64Array;
  frames: number;
  /** Fraction of frames with F0 > 0, in [0, 1]. */
  voicedRatio: number;
}

/**
 * Features of the span [startMs, endMs) of a clip, exactly as a VoiceStream fed the whole clip
 * computes them for that span (LLDs over the whole clip, functionals over frames
 * ceil(startMs/10) … ceil(endMs/10)); null when the span holds no frame.
 */
export function spanFeatures(
  samples: Float32Array,
  span: { startMs: number; endMs: number },
): UtteranceFeatures | null {
  const llds = extractLlds(samples);
  const total = llds.length / LLD_COUNT;
  const from = Math.min(total, Math.ceil(span.startMs / HOP_MS));
  const to = Math.min(total, Math.ceil(span.endMs / HOP_MS));
  const part = llds.subarray(from * LLD_COUNT, to * LLD_COUNT);
  const frames = to - from;
  if (frames <= 0) return null;
  const features = computeFunctionals(part, frames);
  if (!features) return null;
  let voiced = 0;
  for (let t = 0; t < frames; t++) if (part[t * LLD_COUNT + LLD.f0] > 0) voiced++;
  return { features, frames, voicedRatio: voiced / frames };
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
