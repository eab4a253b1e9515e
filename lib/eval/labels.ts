/**
 * Reference labels of evaluation manifests mapped to the project's classes. Corpora name the
 * same emotions differently (MELD "joy", RAVDESS "calm", FER "surprise"); the mapping is the one
 * the heads' training used (docs/voice.md, docs/face.md, docs/text.md).
 */
import { emotionIndex } from "../emotion/labels.ts";

/** Synonyms of our class names, lower case. */
const SYNONYMS: Readonly<Record<string, string>> = {
  calm: "neutral",
  joy: "happy",
  joyful: "happy",
  happiness: "happy",
  sadness: "sad",
  anger: "angry",
  mad: "angry",
  fear: "fearful",
  scared: "fearful",
  disgust: "disgusted",
  surprise: "surprised",
};

/** Index into EMOTIONS of a reference label, or -1 when it has no class of ours. */
export function referenceIndex(label: string): number {
  const l = label.trim().toLowerCase();
  return emotionIndex(SYNONYMS[l] ?? l);
}
