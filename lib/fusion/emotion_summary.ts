/**
 * Fuses modality estimates and shapes the result as the emotion fields of events and manifest
 * output lines, so the live server and `analyze` report exactly the same thing. Every entry
 * carries its fusion weight; `missing` lists the modalities that gave no estimate, each with why.
 */
import { argmaxLabel } from "../emotion/labels.ts";
import type { Modality, ModalityEstimate } from "../modality/estimate.ts";
import type { EmotionFields, MissingModality, MissingReason, ModalityEntry } from "../protocol/events.ts";
import { fuse, type FusionOptions } from "./fuse.ts";

/** Every modality, in reporting order. */
export const MODALITIES: readonly Modality[] = ["voice", "face", "text"];

/**
 * The fused emotion with one entry per modality used: the emotion fields of events (lib/protocol)
 * that fusion fills. `sentiment` is the fused sentiment (emotion-derived, mixed with the text head
 * when text is present; see fuse.ts).
 */
export type EmotionSummary = Pick<
  EmotionFields,
  "label" | "probs" | "confidence" | "uncertainty" | "valence" | "arousal" | "sentiment" | "modalities" | "missing"
>;

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/** Why a modality is missing when the caller does not say: it simply had no data. */
export const DEFAULT_MISSING_REASONS: Readonly<Record<Modality, MissingReason>> = {
  voice: "no_audio",
  face: "no_face_frames",
  text: "no_text",
};

/**
 * Fuses the non-null estimates; null when there are none. `reasons` says why each absent
 * modality is missing (default {@linkcode DEFAULT_MISSING_REASONS}).
 */
export function summarizeEmotion(
  estimates: readonly (ModalityEstimate | null | undefined)[],
  options?: FusionOptions,
  reasons: Partial<Record<Modality, MissingReason>> = {},
): EmotionSummary | null {
  const present = estimates.filter((e): e is ModalityEstimate => e != null);
  if (present.length === 0) return null;
  const fused = fuse(present, options);
  const modalities: Partial<Record<Modality, ModalityEntry>> = {};
  for (const e of present) {
    modalities[e.modality] = {
      probs: e.probs.map(round4),
      label: argmaxLabel(e.probs),
      confidence: round4(e.confidence),
      uncertainty: round4(e.uncertainty),
      valence: round4(e.valence),
      arousal: round4(e.arousal),
      coverage: round4(e.coverage),
      weight: round4(fused.weights[e.modality] ?? 0),
      model: e.model,
      ...(e.sentiment ? { sentiment: roundRecord(e.sentiment) } : {}),
    };
  }
  return {
    label: fused.label,
    probs: fused.probs.map(round4),
    confidence: round4(fused.confidence),
    uncertainty: round4(fused.uncertainty),
    valence: round4(fused.valence),
    arousal: round4(fused.arousal),
    sentiment: roundRecord(fused.sentiment),
    modalities,
    missing: MODALITIES.filter((m) => !modalities[m]).map((m): MissingModality => ({
      modality: m,
      reason: reasons[m] ?? DEFAULT_MISSING_REASONS[m],
    })),
  };
}

function roundRecord<K extends string>(r: Record<K, number>): Record<K, number> {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round4(v as number)])) as Record<K, number>;
}
