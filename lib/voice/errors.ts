/** Typed errors of the voice modality. */

/** The voice model or its card is missing or inconsistent; the server cannot run voice analysis. */
export class VoiceModelError extends Error {
  readonly recoverable = false;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "VoiceModelError";
  }
}

/** A participant's voice stream was misused (e.g. after release); other streams are unaffected. */
export class VoiceStreamError extends Error {
  readonly recoverable = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "VoiceStreamError";
  }
}
