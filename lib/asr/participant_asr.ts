/**
 * A participant's speech recognition, between its stream and its utterance analyzer: when an
 * utterance ends and the participant sends no transcripts, its span goes to the recogniser and
 * the text is attached to that utterance exactly as a client's final transcript is, marked
 * `transcript: {source: "asr", confidence, words, model}`. Offline, the final emotion waits for it
 * the way it waits for client text (the analyzer's textWaitMs); live it does not wait: the text
 * comes as an `emotion.update`. A failure or an empty result releases the
 * wait. Client transcripts take precedence: once one arrives, recognition stops, and client text
 * for an utterance replaces its ASR text.
 */
import type { AsrStage } from "../engine/stages.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { TranscriptSource } from "../protocol/events.ts";
import { AsrError } from "./recognizer.ts";

/** The parts of an utterance record the helper reads and writes. */
export interface AsrUtterance {
  id: string;
  startMs: number;
  endMs?: number;
  texts: string[];
  textComplete: boolean;
  textWaiter?: () => void;
  /** Set when the utterance's text came from the recogniser. */
  transcript?: TranscriptSource;
  /** The analyzer's counts of texts that entered the context and the last published estimate. */
  textsCommitted?: number;
  textsPublished?: number;
}

/** What the helper needs from the participant. */
export interface ParticipantAsrContext<U extends AsrUtterance> {
  /** The analyzer's attachText: adds final text (publishes emotion.update if already out). */
  attachText(u: U, text: string, segmentEndMs: number): Promise<void>;
  /** The analyzer's expectText: final estimates wait for text. */
  expectText(): void;
  /**
   * Whether final estimates wait for recognised text (offline analysis). Live, they do not: the
   * final `emotion` goes out as soon as voice and face are read, and the recognised text follows
   * as an `emotion.update`, so a participant who sends no transcript never waits on the text.
   */
  waitForText?: boolean;
  /** Publishes a recoverable error event for the participant. */
  report(err: ProtocolError): void;
}

/** One participant's ASR. */
export class ParticipantAsr<U extends AsrUtterance> {
  #clientText = false;
  #pending = new Set<Promise<void>>();

  constructor(private readonly stage: AsrStage, private readonly ctx: ParticipantAsrContext<U>) {}

  /** Adds 16 kHz audio. */
  push(pcm16k: Float32Array): void {
    this.stage.push(pcm16k);
  }

  /** The participant sent a transcript: from now on its own text is used. */
  clientTranscript(): void {
    this.#clientText = true;
  }

  /**
   * Call when an utterance ends, before its final analysis starts: true when it will be
   * recognised (offline, the final estimate then waits for its text).
   */
  begin(_u: U): boolean {
    if (this.#clientText) return false;
    if (this.ctx.waitForText) this.ctx.expectText();
    return true;
  }

  /** Recognises the ended utterance and attaches the text; never rejects. */
  recognize(u: U): Promise<void> {
    const p = this.#recognize(u).finally(() => this.#pending.delete(p));
    this.#pending.add(p);
    return p;
  }

  /**
   * Resolves when every recognition started so far is done, or after `maxMs` (the stream is
   * ending: its last utterances' final estimates should carry their text, within the text wait).
   */
  async settled(maxMs: number): Promise<void> {
    if (this.#pending.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled([...this.#pending]),
      new Promise((r) => timer = setTimeout(r, maxMs)),
    ]);
    clearTimeout(timer);
  }

  async #recognize(u: U): Promise<void> {
    try {
      const t = await this.stage.recognize({ utteranceId: u.id, startMs: u.startMs, endMs: u.endMs ?? u.startMs });
      if (t?.text && !(this.#clientText && u.texts.length)) {
        u.transcript = { source: "asr", confidence: round4(t.confidence), words: t.words, model: t.model };
        await this.ctx.attachText(u, t.text, u.endMs ?? t.endMs);
        return;
      }
    } catch (err) {
      const code = err instanceof AsrError && err.code === "overloaded" ? "overloaded" : "model_error";
      if (!(err instanceof AsrError && err.code === "aborted")) {
        this.ctx.report(new ProtocolError(code, `speech recognition: ${(err as Error).message}`, true));
      }
    }
    // No recognised text: the final estimate stops waiting for it.
    u.textComplete = true;
    u.textWaiter?.();
  }

  /** Client text is about to be attached to `u`: it replaces any ASR text. */
  yieldTo(u: U): void {
    if (!u.transcript) return;
    // The client's text is read afresh: it is published as an update and enters the context
    // (which keeps the ASR text it already heard).
    u.texts.length = 0;
    u.transcript = undefined;
    u.textsCommitted = 0;
    u.textsPublished = 0;
  }

  /** Drops waiting recognitions (the stream ended and its work settled). */
  release(): void {
    this.stage.release();
  }
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
