/**
 * Labelled clips of the voice corpora under the shared data folder, with the label mapping
 * to the project's 7 classes: RAVDESS (calm → neutral) and EmoDB (boredom left out: it has
 * no class of ours, and merging it into neutral or sad would blur both).
 */
import { type Emotion, EMOTIONS } from "../../lib/emotion/labels.ts";

/** One labelled clip. */
export interface VoiceClip {
  /** Path relative to the data folder, e.g. `voice/emodb/03a01Fa.flac`. */
  path: string;
  corpus: "ravdess" | "emodb";
  /** Corpus-qualified speaker id, e.g. `ravdess:01`, `emodb:03`. */
  speaker: string;
  sex: "male" | "female";
  /** Label in the corpus' own vocabulary. */
  sourceLabel: string;
  /** Project label, or null when the clip has no class of ours (EmoDB boredom). */
  label: Emotion | null;
}

/** RAVDESS emotion code → [source label, project label]. */
export const RAVDESS_LABELS: Record<string, [string, Emotion]> = {
  "01": ["neutral", "neutral"],
  "02": ["calm", "neutral"],
  "03": ["happy", "happy"],
  "04": ["sad", "sad"],
  "05": ["angry", "angry"],
  "06": ["fearful", "fearful"],
  "07": ["disgust", "disgusted"],
  "08": ["surprised", "surprised"],
};

/** EmoDB emotion letter → [source label, project label or null]. */
export const EMODB_LABELS: Record<string, [string, Emotion | null]> = {
  W: ["anger", "angry"],
  L: ["boredom", null],
  E: ["disgust", "disgusted"],
  A: ["fear", "fearful"],
  F: ["happiness", "happy"],
  T: ["sadness", "sad"],
  N: ["neutral", "neutral"],
};

/** Speaker sex of the EmoDB speakers (Burkhardt et al. 2005). */
const EMODB_SEX: Record<string, "male" | "female"> = {
  "03": "male",
  "08": "female",
  "09": "female",
  "10": "male",
  "11": "male",
  "12": "male",
  "13": "female",
  "14": "female",
  "15": "male",
  "16": "female",
};

/** Parses a RAVDESS file name `MM-VV-EE-II-SS-RR-AA.flac`. */
export function parseRavdess(file: string): Omit<VoiceClip, "path"> | null {
  const m = /^(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)\.\w+$/.exec(file);
  if (!m || !(m[3] in RAVDESS_LABELS)) return null;
  const [source, label] = RAVDESS_LABELS[m[3]];
  const actor = m[7];
  return {
    corpus: "ravdess",
    speaker: `ravdess:${actor}`,
    sex: Number(actor) % 2 ? "male" : "female",
    sourceLabel: source,
    label,
  };
}

/** Parses an EmoDB file name `SSTTTEV.flac`. */
export function parseEmodb(file: string): Omit<VoiceClip, "path"> | null {
  const m = /^(\d\d)([a-z]\d\d)([A-Z])([a-z])\.\w+$/.exec(file);
  if (!m || !(m[3] in EMODB_LABELS)) return null;
  const [source, label] = EMODB_LABELS[m[3]];
  return { corpus: "emodb", speaker: `emodb:${m[1]}`, sex: EMODB_SEX[m[1]] ?? "male", sourceLabel: source, label };
}

/** Lists every RAVDESS and EmoDB clip under `dataDir` (the folder holding `voice/`), sorted by path. */
export function listVoiceClips(dataDir: string): VoiceClip[] {
  const clips: VoiceClip[] = [];
  const ravdess = `${dataDir}/voice/ravdess`;
  for (const actor of [...Deno.readDirSync(ravdess)].filter((e) => e.isDirectory).map((e) => e.name)) {
    for (const f of Deno.readDirSync(`${ravdess}/${actor}`)) {
      const meta = parseRavdess(f.name);
      if (meta) clips.push({ path: `voice/ravdess/${actor}/${f.name}`, ...meta });
    }
  }
  for (const f of Deno.readDirSync(`${dataDir}/voice/emodb`)) {
    const meta = parseEmodb(f.name);
    if (meta) clips.push({ path: `voice/emodb/${f.name}`, ...meta });
  }
  return clips.sort((a, b) => a.path.localeCompare(b.path));
}

export { EMOTIONS };
