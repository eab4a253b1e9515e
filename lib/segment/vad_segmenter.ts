/**
 * Utterance segmentation as a pure state machine over speech probabilities, one per VAD
 * frame. It knows nothing of ONNX or sockets, so it is tested with scripted probabilities.
 *
 * Hysteresis: a frame at or above `positiveThreshold` opens speech; once open, frames at or
 * above `negativeThreshold` keep it open. Speech closes after `minSilenceMs` of frames below
 * `negativeThreshold`. Speech shorter than `minSpeechMs` is a misfire. Utterances longer than
 * `maxUtteranceMs` are split. `utterance.start` is emitted once `minSpeechMs` of speech is
 * confirmed, with the start time of the first speech frame minus the pre-roll.
 */

/** Options for {@linkcode VadSegmenter}; all durations in ms. */
export interface VadSegmenterOptions {
  /** Duration of one VAD frame. Default 32 (512 samples at 16 kHz). */
  frameMs?: number;
  /** Probability that opens speech. Default 0.5. */
  positiveThreshold?: number;
  /** Probability below which a frame counts as silence. Default 0.35. */
  negativeThreshold?: number;
  /** Shortest speech that makes an utterance; shorter bursts are misfires. Default 250. */
  minSpeechMs?: number;
  /** Silence that closes an utterance. Default 500. */
  minSilenceMs?: number;
  /** Longest utterance; longer speech is split. Default 15000. */
  maxUtteranceMs?: number;
  /** Audio kept before the first speech frame. Default 96. */
  preRollMs?: number;
  /** Audio kept after the last speech frame. Default 64. */
  postRollMs?: number;
  /** Interval between `partial` ticks during speech; 0 disables them. Default 1000. */
  partialIntervalMs?: number;
}

/** What the segmenter emits. Times are ms on the stream's media clock. */
export type SegmenterEvent =
  | { kind: "start"; startMs: number }
  | { kind: "partial"; startMs: number; endMs: number }
  | {
    kind: "end";
    startMs: number;
    endMs: number;
    reason: "silence" | "max_length" | "end_of_stream";
    /** Mean speech probability and the fraction of frames above the negative threshold. */
    speechProbMean: number;
    speechRatio: number;
  }
  | { kind: "misfire"; startMs: number; endMs: number };

const DEFAULTS: Required<VadSegmenterOptions> = {
  frameMs: 32,
  positiveThreshold: 0.5,
  negativeThreshold: 0.35,
  minSpeechMs: 250,
  minSilenceMs: 500,
  maxUtteranceMs: 15000,
  preRollMs: 96,
  postRollMs: 64,
  partialIntervalMs: 1000,
};

/** Validates options and fills defaults. Throws RangeError naming the bad option. */
export function resolveSegmenterOptions(options: VadSegmenterOptions = {}): Required<VadSegmenterOptions> {
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new RangeError(`VadSegmenter: ${what}`);
  };
  check(o.frameMs > 0, "frameMs must be > 0");
  check(o.positiveThreshold > 0 && o.positiveThreshold <= 1, "positiveThreshold must be in (0, 1]");
  check(
    o.negativeThreshold >= 0 && o.negativeThreshold <= o.positiveThreshold,
    "negativeThreshold must be in [0, positiveThreshold]",
  );
  check(o.minSpeechMs >= 0, "minSpeechMs must be ≥ 0");
  check(o.minSilenceMs >= o.frameMs, "minSilenceMs must be ≥ frameMs");
  check(
    o.maxUtteranceMs >= 2 * o.minSpeechMs && o.maxUtteranceMs >= 1000,
    "maxUtteranceMs must be ≥ 1000 and ≥ 2·minSpeechMs",
  );
  check(o.preRollMs >= 0 && o.postRollMs >= 0, "preRollMs and postRollMs must be ≥ 0");
  check(o.partialIntervalMs === 0 || o.partialIntervalMs >= 200, "partialIntervalMs must be 0 or ≥ 200");
  return o;
}

/** Frame-by-frame utterance detector. */
export class VadSegmenter {
  readonly options: Required<VadSegmenterOptions>;
  #frame = 0; // index of the next frame
  #inSpeech = false;
  #confirmed = false;
  #speechStartFrame = 0; // first speech frame of the open utterance
  #lastSpeechFrame = 0;
  #silentFrames = 0;
  #probSum = 0;
  #speechFrames = 0;
  #frames = 0;
  #nextPartialMs = 0;
  #lastEndMs = 0; // pre-roll never reaches back into the previous utterance

  constructor(options: VadSegmenterOptions = {}) {
    this.options = resolveSegmenterOptions(options);
  }

  /** Whether an utterance is open (confirmed or not). */
  get inSpeech(): boolean {
    return this.#inSpeech;
  }

  /**
   * The earliest media time an utterance can still start at, in ms: the open (or not yet
   * confirmed) one's start, else the pre-roll before the next frame. Never moves back.
   */
  get earliestStartMs(): number {
    if (this.#inSpeech) return this.#startMs();
    return Math.max(0, this.#lastEndMs, this.#frame * this.options.frameMs - this.options.preRollMs);
  }

  /**
   * While an utterance is open (confirmed or not): the media time up to which audio belongs to it
   * whatever follows — its last speech frame plus the post-roll. Audio after that, in a pause,
   * joins the utterance only if speech resumes; if it does not, the utterance ends here. When no
   * utterance is open: {@linkcode earliestStartMs}. Never beyond {@linkcode timeMs}.
   */
  get speechUntilMs(): number {
    if (!this.#inSpeech) return this.earliestStartMs;
    return Math.min(this.timeMs, (this.#lastSpeechFrame + 1) * this.options.frameMs + this.options.postRollMs);
  }

  /** Media time reached, in ms. */
  get timeMs(): number {
    return this.#frame * this.options.frameMs;
  }

  /** Feeds one frame's speech probability; returns what it caused, in order. */
  push(prob: number): SegmenterEvent[] {
    const o = this.options;
    const out: SegmenterEvent[] = [];
    const f = this.#frame++;
    if (!this.#inSpeech) {
      if (prob >= o.positiveThreshold) this.#open(f, prob);
      return out;
    }
    this.#frames++;
    this.#probSum += prob;
    if (prob >= o.negativeThreshold) {
      this.#speechFrames++;
      this.#lastSpeechFrame = f;
      this.#silentFrames = 0;
    } else {
      this.#silentFrames++;
    }
    const speechMs = (this.#lastSpeechFrame - this.#speechStartFrame + 1) * o.frameMs;
    if (!this.#confirmed && speechMs >= o.minSpeechMs) {
      this.#confirmed = true;
      const startMs = this.#startMs();
      out.push({ kind: "start", startMs });
      this.#nextPartialMs = startMs + o.partialIntervalMs;
    }
    if (this.#silentFrames * o.frameMs >= o.minSilenceMs) {
      out.push(this.#close("silence"));
      return out;
    }
    const nowMs = (f + 1) * o.frameMs;
    if (this.#confirmed && nowMs - this.#startMs() >= o.maxUtteranceMs) {
      out.push(this.#close("max_length", nowMs));
      if (prob >= o.negativeThreshold) this.#open(f + 1, prob);
      return out;
    }
    if (this.#confirmed && o.partialIntervalMs > 0 && nowMs >= this.#nextPartialMs) {
      // The running estimate covers the speech so far: in a pause, up to the last speech frame
      // plus the post-roll (where the utterance would end), not the silence after it.
      out.push({ kind: "partial", startMs: this.#startMs(), endMs: this.speechUntilMs });
      this.#nextPartialMs += o.partialIntervalMs;
    }
    return out;
  }

  /** Closes any open utterance at the end of the stream. */
  flush(): SegmenterEvent[] {
    if (!this.#inSpeech) return [];
    const wasConfirmed = this.#confirmed;
    const startMs = this.#startMs();
    const end = this.#close("end_of_stream");
    // Speech long enough but not yet confirmed when the stream ended still gets its start.
    return end.kind === "end" && !wasConfirmed ? [{ kind: "start", startMs }, end] : [end];
  }

  #open(frame: number, prob: number): void {
    this.#inSpeech = true;
    this.#confirmed = false;
    this.#speechStartFrame = frame;
    this.#lastSpeechFrame = frame;
    this.#silentFrames = 0;
    this.#frames = 1;
    this.#probSum = prob;
    this.#speechFrames = 1;
  }

  #startMs(): number {
    const raw = this.#speechStartFrame * this.options.frameMs - this.options.preRollMs;
    return Math.max(0, this.#lastEndMs, raw);
  }

  #close(reason: "silence" | "max_length" | "end_of_stream", cutMs?: number): SegmenterEvent {
    const o = this.options;
    const startMs = this.#startMs();
    const speechEndMs = (this.#lastSpeechFrame + 1) * o.frameMs;
    const endMs = cutMs ?? Math.min(speechEndMs + o.postRollMs, this.timeMs);
    const confirmed = this.#confirmed || (reason === "end_of_stream" &&
      (this.#lastSpeechFrame - this.#speechStartFrame + 1) * o.frameMs >= o.minSpeechMs);
    const frames = this.#frames;
    const ev: SegmenterEvent = confirmed
      ? {
        kind: "end",
        startMs,
        endMs,
        reason,
        speechProbMean: this.#probSum / frames,
        speechRatio: this.#speechFrames / frames,
      }
      : { kind: "misfire", startMs, endMs };
    this.#inSpeech = false;
    this.#confirmed = false;
    this.#lastEndMs = endMs;
    return ev;
  }
}
