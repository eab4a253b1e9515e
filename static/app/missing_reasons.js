/**
 * The `missing` field of emotion events in words. Schema 1 lists modality names
 * (["face", "text"]); schema 2 (docs/protocol.md) lists {modality, reason} objects. Both are read.
 */

/** Each reason code (lib/protocol/events.ts) in words. */
export const REASON_TEXT = {
  no_audio: "no audio received",
  too_quiet: "too quiet to analyse",
  too_little_voiced_speech: "too little voiced speech",
  digital_silence: "the microphone sends pure silence",
  no_face: "no face in view",
  no_face_frames: "no face measurements received",
  no_text: "no transcript",
  model_unavailable: "no model loaded on the server",
  model_error: "the model failed",
  disabled: "turned off",
};

/**
 * @param {unknown} missing an event's `missing` field, in either form
 * @returns {{modality: string, reason?: string, text: string}[]} e.g. {modality: "face", reason:
 *   "no_face", text: "face: no face in view"}
 */
export function describeMissing(missing) {
  if (!Array.isArray(missing)) return [];
  return missing.flatMap((m) => {
    if (typeof m === "string") return [{ modality: m, text: `${m}: no data` }];
    if (!m || typeof m.modality !== "string") return [];
    const reason = typeof m.reason === "string" ? m.reason : undefined;
    const words = reason ? REASON_TEXT[reason] ?? reason.replaceAll("_", " ") : "no data";
    return [{ modality: m.modality, reason, text: `${m.modality}: ${words}` }];
  });
}
