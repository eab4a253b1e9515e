/** Typed errors of the text modality. */

/** Raised when a corpus file is missing or does not have the documented layout. */
export class CorpusFormatError extends Error {
  readonly recoverable = false;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CorpusFormatError";
  }
}

/** Raised when the text model, its card or its vocabulary cannot be loaded or disagree. */
export class TextModelError extends Error {
  readonly recoverable: boolean;
  constructor(message: string, options?: ErrorOptions & { recoverable?: boolean }) {
    super(message, options);
    this.name = "TextModelError";
    this.recoverable = options?.recoverable ?? false;
  }
}
