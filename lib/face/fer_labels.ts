/**
 * FER2013 label names mapped onto the project's seven emotions (one-to-one: disgust →
 * disgusted, fear → fearful, surprise → surprised; the others keep their names).
 */
import { type Emotion, emotionIndex } from "../emotion/labels.ts";

/** FER2013 label → our emotion. */
export const FER_LABEL_MAP: Readonly<Record<string, Emotion>> = {
  angry: "angry",
  disgust: "disgusted",
  fear: "fearful",
  happy: "happy",
  neutral: "neutral",
  sad: "sad",
  surprise: "surprised",
};

/** Reads `index,label,source` CSV text into our class indices, in image order. */
export function parseFerLabels(csv: string): number[] {
  const lines = csv.trim().split(/\r?\n/);
  if (!lines[0].startsWith("index,label")) throw new Error("FER csv must start with the header index,label,source");
  const out: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const [index, label] = lines[i].split(",");
    if (Number(index) !== i - 1) throw new Error(`FER csv line ${i + 1}: expected index ${i - 1}, got ${index}`);
    const ours = FER_LABEL_MAP[label];
    if (!ours) throw new Error(`FER csv line ${i + 1}: unknown label ${label}`);
    out.push(emotionIndex(ours));
  }
  return out;
}
