/**
 * Dimensional affect derived from categorical probabilities.
 *
 * Valence and arousal are the expectation of per-class coordinates under the predicted
 * distribution (a categorical-to-dimensional mapping, as in e.g. Mohammad 2018's NRC VAD
 * lexicon, which scores emotion words on both axes). The coordinates place each class where
 * Russell's circumplex (1980) puts it: happy and surprised positive and aroused, angry,
 * fearful and disgusted negative and aroused, sad negative and calm, neutral near the
 * origin and calm. They are a documented convention, not a learned quantity.
 */
import { NUM_EMOTIONS } from "./labels.ts";

/** [valence, arousal] per class, in EMOTIONS order, in [-1, 1]. */
export const CLASS_VALENCE_AROUSAL: readonly (readonly [number, number])[] = [
  [-0.06, -0.63],
  [0.92, 0.46],
  [-0.9, -0.42],
  [-0.76, 0.66],
  [-0.83, 0.73],
  [-0.9, 0.55],
  [0.75, 0.75],
];

/** Valence and arousal in [-1, 1] as expectations over the class coordinates. */
export function valenceArousal(probs: ArrayLike<number>): { valence: number; arousal: number } {
  if (probs.length !== NUM_EMOTIONS) throw new RangeError(`expected ${NUM_EMOTIONS} probabilities`);
  let v = 0, a = 0, total = 0;
  for (let i = 0; i < NUM_EMOTIONS; i++) {
    v += probs[i] * CLASS_VALENCE_AROUSAL[i][0];
    a += probs[i] * CLASS_VALENCE_AROUSAL[i][1];
    total += probs[i];
  }
  return total > 0 ? { valence: v / total, arousal: a / total } : { valence: 0, arousal: 0 };
}

/** Normalised Shannon entropy in [0, 1]: 0 for a one-hot distribution, 1 for uniform. */
export function normalizedEntropy(probs: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < probs.length; i++) if (probs[i] > 0) h -= probs[i] * Math.log(probs[i]);
  return h / Math.log(probs.length);
}

/** Softmax of logits divided by a temperature (temperature scaling, Guo et al. 2017). */
export function softmax(logits: ArrayLike<number>, temperature = 1): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] / temperature);
  const out = new Array<number>(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp(logits[i] / temperature - max);
    sum += out[i];
  }
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}
