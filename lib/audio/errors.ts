/** Errors of the audio stages; they know no wire protocol (the session maps them to protocol errors). */

/** An audio message whose length is not a whole number of sample frames; nothing of it was decoded. */
export class MisalignedAudioError extends Error {
  readonly recoverable = true;
  constructor(readonly byteLength: number, readonly frameBytes: number) {
    super(`audio message of ${byteLength} bytes is not a whole number of ${frameBytes}-byte sample frames; dropped`);
    this.name = "MisalignedAudioError";
  }
}
