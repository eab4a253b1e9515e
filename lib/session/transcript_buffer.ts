/**
 * One participant's final transcript segments waiting for the audio to catch up with them.
 * Bounded three ways, so a client cannot make it grow: a rate limit on transcript messages, a
 * cap on the segments waiting, and an upper bound on `endMs` (no further ahead of the media
 * clock than `maxLeadMs`, so a segment cannot wait forever for audio that never comes).
 */
import type { TranscriptMessage } from "../protocol/client_messages.ts";
import { ProtocolError } from "../protocol/errors.ts";
import { TokenBucket } from "./rate_limiter.ts";

/** Options for {@linkcode TranscriptBuffer}. */
export interface TranscriptBufferOptions {
  /** Transcript messages (interim and final) per second, sustained. */
  maxPerSecond: number;
  /** Final segments waiting for audio at most. */
  maxPending: number;
  /** How far `endMs` may lie ahead of the clock it is checked against, in ms. */
  maxLeadMs: number;
  /** Rate limits off (offline analysis feeds faster than real time). */
  offline: boolean;
}

/** Rate-limited, bounded queue of final segments. */
export class TranscriptBuffer {
  #pending: TranscriptMessage[] = [];
  #bucket: TokenBucket;

  constructor(readonly options: TranscriptBufferOptions, now: () => number) {
    // A burst of twice the rate absorbs a recogniser flushing several segments at once.
    this.#bucket = new TokenBucket(options.maxPerSecond, 2 * options.maxPerSecond, now);
  }

  /** Segments waiting. */
  get size(): number {
    return this.#pending.length;
  }

  /**
   * Checks one transcript message against the rate limit and the time bound (`clockMs`: the
   * furthest media time the participant can have reached). Throws a recoverable ProtocolError
   * (`rate_limited`, or `bad_message` for a segment too far ahead); the message is then dropped.
   */
  admit(msg: TranscriptMessage, clockMs: number): void {
    if (this.options.offline) return;
    if (!this.#bucket.take()) {
      throw new ProtocolError(
        "rate_limited",
        `more than ${this.options.maxPerSecond} transcript messages per second; transcript dropped`,
      );
    }
    if (msg.endMs > clockMs + this.options.maxLeadMs) {
      throw new ProtocolError(
        "bad_message",
        `transcript endMs ${msg.endMs} is more than ${this.options.maxLeadMs} ms ahead of the media clock (${
          Math.round(clockMs)
        } ms); transcript dropped`,
      );
    }
  }

  /** Queues a final segment; throws a recoverable `rate_limited` ProtocolError when the queue is full. */
  push(seg: TranscriptMessage): void {
    if (this.#pending.length >= this.options.maxPending) {
      throw new ProtocolError(
        "rate_limited",
        `${this.options.maxPending} transcript segments already wait for their audio; transcript dropped`,
      );
    }
    this.#pending.push(seg);
  }

  /** Removes and returns the segments whose end the audio reached (all of them when `all`), in arrival order. */
  take(mediaMs: number, all: boolean): TranscriptMessage[] {
    if (all) return this.#pending.splice(0);
    const ready: TranscriptMessage[] = [];
    const keep: TranscriptMessage[] = [];
    for (const seg of this.#pending) (seg.endMs <= mediaMs ? ready : keep).push(seg);
    this.#pending = keep;
    return ready;
  }
}
