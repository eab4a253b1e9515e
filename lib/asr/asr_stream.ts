/**
 * A participant's speech-recognition stage: keeps the stream's recent audio and, when an
 * utterance ends, hands its span (with a short margin, as VAD ends are tight) to the shared
 * recogniser. The result is shaped like a client's final transcript segment: media-clock times,
 * per-word times and confidences, `source: "asr"`, so it enters the pipeline by the same path.
 */
import type { Recognition, RecognizedWord, Recognizer } from "./recognizer.ts";
import { PcmHistory } from "./pcm_history.ts";

/** Options for {@linkcode AsrStream}. */
export interface AsrStreamOptions {
  /** Audio kept for recognition, in ms; default 20000 (PcmHistory). */
  historyMs?: number;
  /** Audio added before and after the VAD span, in ms; default 150. */
  marginMs?: number;
  /** Spans shorter than this are not sent (no word fits), in ms; default 250. */
  minSpanMs?: number;
}

/** A recognised utterance on the participant's media clock. */
export interface AsrTranscript {
  utteranceId: string;
  text: string;
  startMs: number;
  endMs: number;
  /** Word times on the media clock. */
  words: RecognizedWord[];
  /** Reliability of the text in [0, 1] (recognizer.ts: duration-weighted word confidence). */
  confidence: number;
  source: "asr";
  model: string;
}

/** Per-participant ASR. */
export class AsrStream {
  readonly #recognizer: Recognizer;
  readonly #history: PcmHistory;
  readonly #marginMs: number;
  readonly #minSpanMs: number;
  readonly #abort = new AbortController();

  constructor(recognizer: Recognizer, options: AsrStreamOptions = {}) {
    this.#recognizer = recognizer;
    this.#history = new PcmHistory(options.historyMs ?? 20_000);
    this.#marginMs = options.marginMs ?? 150;
    this.#minSpanMs = options.minSpanMs ?? 250;
    if (!(this.#marginMs >= 0 && this.#marginMs <= 1000)) throw new RangeError("marginMs must be in [0, 1000]");
    if (!(this.#minSpanMs >= 0)) throw new RangeError("minSpanMs must be ≥ 0");
  }

  /** Adds 16 kHz audio (the participant's media clock). */
  push(pcm16k: Float32Array): void {
    this.#history.push(pcm16k);
  }

  /**
   * Recognises [startMs, endMs) of the stream. Resolves null when the span is too short or its
   * audio is no longer held; rejects with AsrError when the recogniser fails (overloaded, timeout…).
   */
  async recognize(span: { utteranceId: string; startMs: number; endMs: number }): Promise<AsrTranscript | null> {
    if (span.endMs - span.startMs < this.#minSpanMs) return null;
    const from = Math.max(0, span.startMs - this.#marginMs);
    const pcm = this.#history.slice(from, span.endMs + this.#marginMs);
    if (!pcm) return null;
    const r: Recognition = await this.#recognizer.recognize(pcm, {
      utteranceId: span.utteranceId,
      signal: this.#abort.signal,
    });
    const words = r.words.map((w) => ({ ...w, startMs: w.startMs + from, endMs: w.endMs + from }));
    return {
      utteranceId: span.utteranceId,
      text: r.text,
      startMs: span.startMs,
      endMs: span.endMs,
      words,
      confidence: r.confidence,
      source: "asr",
      model: r.model,
    };
  }

  /** Drops waiting recognitions of this participant (the stream ended). */
  release(): void {
    this.#abort.abort();
  }
}
