/**
 * Validation predictions of the three heads, as the fusion experiments read them: one record per
 * validation sample with its reference class, the head's *uncalibrated* logits (temperature 1)
 * and the temperature the shipped head applies, so calibration can be measured before and after.
 * Files live in ~/.cache/affectstream/fusion/<modality>_val.json (never in the repository).
 */
import { normalizedEntropy } from "../../lib/emotion/affect.ts";
import type { Modality, ModalityEstimate } from "../../lib/modality/estimate.ts";

/** One validation sample of one head. */
export interface HeadSample {
  /** Stable id within the head's corpus (clip path, FER index, dialogue/turn). */
  id: string;
  /** Reference class index (EMOTIONS order). */
  label: number;
  /** Logits at temperature 1. */
  logits: number[];
  /** Group that must not be split between fitting and testing (speaker, dialogue, image). */
  group: string;
  /** Coverage as the live stage would report it, when known. */
  coverage?: number;
  /**
   * Logits with the utterance's frames dropped at DROP_LEVELS[i], for the robustness curves:
   * text drops words, voice zeroes 20 ms packets (voice_drops.ts); null when the stage would give
   * no estimate (no word left, under 250 ms voiced).
   */
  dropLogits?: (number[] | null)[];
  /** Voice only: the stage's coverage (voiced share) at each drop level. */
  dropCoverage?: number[];
  /** Conversation samples (text): corpus, dialogue, position, speaker and native label(s). */
  dialogue?: { corpus: string; id: string; turn: number; speaker: string; native: string[] };
}

/** One head's validation predictions. */
export interface HeadPredictions {
  modality: Modality;
  model: string;
  temperature: number;
  /** How the predictions were made (held-out protocol), for the docs. */
  protocol: string;
  samples: HeadSample[];
}

/** Frame (word, packet) drop rates of the robustness curves. */
export const DROP_LEVELS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] as const;

/** Folder of the prediction files. */
export function fusionCacheDir(): string {
  const base = Deno.env.get("AFFECTSTREAM_CACHE") ?? `${Deno.env.get("HOME") ?? "."}/.cache/affectstream`;
  return `${base}/fusion`;
}

/** Reads one head's file. */
export async function readHead(modality: Modality): Promise<HeadPredictions> {
  return JSON.parse(await Deno.readTextFile(`${fusionCacheDir()}/${modality}_val.json`));
}

/** Writes one head's file. */
export async function writeHead(p: HeadPredictions): Promise<string> {
  await Deno.mkdir(fusionCacheDir(), { recursive: true });
  const path = `${fusionCacheDir()}/${p.modality}_val.json`;
  await Deno.writeTextFile(path, JSON.stringify(p));
  return path;
}

/**
 * A head's validation probabilities as the fusion receives them live (confidence = max probability,
 * normalised-entropy uncertainty); valence and arousal are not used by the experiments, so 0.
 */
export function headEstimate(modality: Modality, probs: number[], coverage: number): ModalityEstimate {
  return {
    modality,
    probs,
    confidence: Math.max(...probs),
    uncertainty: normalizedEntropy(probs),
    valence: 0,
    arousal: 0,
    coverage,
    model: modality,
  };
}
