/**
 * The recogniser interface: 16 kHz mono PCM of one utterance in, its words with times and
 * confidences out. Every transport (the embedded pocketsphinx, a process speaking JSON lines)
 * implements it, so a stronger recogniser plugs in without touching the pipeline.
 */

/** Sample rate every recogniser is given, in Hz. */
export const ASR_SAMPLE_RATE = 16000;

/** One recognised word; times in ms from the start of the audio given. */
export interface RecognizedWord {
  text: string;
  startMs: number;
  endMs: number;
  /** Probability that the word is right, in [0, 1] (pocketsphinx: its lattice posterior). */
  confidence: number;
}

/** What a recogniser returns for one utterance. */
export interface Recognition {
  /** The words joined by spaces; "" when nothing was recognised. */
  text: string;
  words: RecognizedWord[];
  /** Reliability of the whole text, in [0, 1]: the duration-weighted mean word confidence; 0 for "". */
  confidence: number;
  /** Recogniser name and version, e.g. "pocketsphinx@5prealpha/en-us". */
  model: string;
}

/** Per-call options. */
export interface RecognizeOptions {
  /** Longest the call may take, in ms; default: the pool's. */
  timeoutMs?: number;
  /** Aborts a call that is waiting or running. */
  signal?: AbortSignal;
  /** For logs and the JSON-lines request; optional. */
  utteranceId?: string;
}

/** A speech recogniser. */
export interface Recognizer {
  /** Recognises one utterance of 16 kHz mono float PCM in [-1, 1]. Rejects with {@linkcode AsrError}. */
  recognize(pcm16k: Float32Array, opts?: RecognizeOptions): Promise<Recognition>;
  /** Stops its processes; pending calls reject with code "closed". */
  close(): Promise<void>;
}

/** Why a recognition failed. */
export type AsrErrorCode =
  | "overloaded" // the pool's queue is full: the utterance is not recognised
  | "timeout" // the recogniser took longer than allowed (its process is restarted)
  | "crashed" // the recogniser process died during the call (it is restarted)
  | "unavailable" // the recogniser cannot be started (binary or model missing), or is backing off
  | "bad_output" // the recogniser answered something unparseable
  | "aborted" // the caller aborted
  | "closed"; // the pool was closed

/** A failed recognition; always recoverable for the participant (their stream goes on without ASR text). */
export class AsrError extends Error {
  readonly recoverable = true;
  constructor(readonly code: AsrErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AsrError";
  }
}

/** Duration-weighted mean of word confidences; 0 when there are no words. */
export function utteranceConfidence(words: readonly RecognizedWord[]): number {
  let num = 0, den = 0;
  for (const w of words) {
    const d = Math.max(10, w.endMs - w.startMs);
    num += d * w.confidence;
    den += d;
  }
  return den > 0 ? num / den : 0;
}

/** 16-bit little-endian PCM of float samples (clipped to [-1, 1]). */
export function toS16le(pcm: Float32Array): Uint8Array {
  const out = new Uint8Array(pcm.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < pcm.length; i++) {
    const v = Math.max(-1, Math.min(1, pcm[i]));
    view.setInt16(2 * i, Math.round(v < 0 ? v * 32768 : v * 32767), true);
  }
  return out;
}
