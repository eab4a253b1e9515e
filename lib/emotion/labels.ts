/**
 * The project's emotion label space. Order matters: every probability vector in the wire
 * protocol, the models and the training data follows it.
 */
export const EMOTIONS = [
  "neutral",
  "happy",
  "sad",
  "angry",
  "fearful",
  "disgusted",
  "surprised",
] as const;

/** One of the seven emotion classes. */
export type Emotion = typeof EMOTIONS[number];

/** Number of emotion classes. */
export const NUM_EMOTIONS = EMOTIONS.length;

/** Three-way sentiment classes, in the order the text model's sentiment head emits them. */
export const SENTIMENTS = ["negative", "neutral", "positive"] as const;

/** One of the sentiment classes. */
export type Sentiment = typeof SENTIMENTS[number];

/** Index of an emotion label, or -1 when it is not one of ours. */
export function emotionIndex(label: string): number {
  return (EMOTIONS as readonly string[]).indexOf(label);
}

/** Label of the most probable class. */
export function argmaxLabel(probs: ArrayLike<number>): Emotion {
  let best = 0;
  for (let i = 1; i < probs.length; i++) if (probs[i] > probs[best]) best = i;
  return EMOTIONS[best];
}
