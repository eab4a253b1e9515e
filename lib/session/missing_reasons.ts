/**
 * Why a modality gave no estimate, from what the participant's stream knows: whether it sends
 * the modality at all, whether a model is loaded, and for voice the span's acoustic summary
 * (a digitally silent or very quiet span is told apart from one with too little voiced speech).
 */
import type { Modality } from "../modality/estimate.ts";
import type { MissingReason } from "../protocol/events.ts";

/** A span at or below this equivalent level (dB re full scale) is digital silence: ±1 LSB of 16-bit audio is −90. */
export const DIGITAL_SILENCE_DB = -90;
/** A span below this equivalent level is too quiet for voicing to be measured, in dB re full scale. */
export const TOO_QUIET_DB = -60;

/** Why a modality's stage is absent, from the server's list of unavailable models. */
export function unavailableReason(why: string | undefined): MissingReason {
  return why && /disabled/i.test(why) ? "disabled" : "model_unavailable";
}

/** Why the voice stage returned no estimate for a span with this summary. */
export function voiceMissingReason(
  summary: { levelDb?: number; durationMs?: number } | null | undefined,
): MissingReason {
  if (!summary || typeof summary.levelDb !== "number") return "too_little_voiced_speech";
  if (summary.durationMs === 0) return "no_audio";
  if (summary.levelDb <= DIGITAL_SILENCE_DB) return "digital_silence";
  if (summary.levelDb < TOO_QUIET_DB) return "too_quiet";
  return "too_little_voiced_speech";
}

/** Reasons to report for the modalities that gave nothing, before any stage was asked. */
export type BaseReasons = Partial<Record<Modality, MissingReason>>;
