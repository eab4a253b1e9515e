/**
 * Runs the voice stage in a worker thread: the server thread keeps a thin {@linkcode VoiceStage}
 * proxy per participant that forwards audio and requests. On a 2-core machine this leaves the
 * socket thread free for I/O while VAD and voice features use the other core.
 *
 * Faults stay bounded: audio waits for the worker at most `maxLagMs` per stream (beyond that it is
 * shed: the worker advances the stream's clock over it as silence, without analysing it), at most
 * `maxPending` requests wait for the worker (more are refused with SchedulerOverloadError), a request not answered within `timeoutMs` fails with
 * {@linkcode VoiceWorkerError} and the worker is treated as hung, and a dead or hung worker is
 * replaced. Streams carry on in the new worker from the media time they had reached (the audio
 * lost with the old worker counts as silence), so spans after the restart are analysed again.
 * `close()` fails whatever is still waiting, so shutdown never waits on a hung worker.
 */
import { SchedulerOverloadError } from "../inference/batch_scheduler.ts";
import { startModuleWorker } from "../inference/web_worker.ts";
import type { AnalysisSpan, ModalityEstimate } from "../modality/estimate.ts";
import type { VoiceStage } from "./stages.ts";

/** Samples per 10 ms voice feature hop at 16 kHz. */
const HOP_SAMPLES = 160;
/** Samples per ms at 16 kHz. */
const SAMPLES_PER_MS = 16;
/** Pushed samples between two backlog marks (≈ 1 s of one stream's audio). */
const MARK_EVERY_SAMPLES = 16000;
/**
 * Audio of every stream is gathered for this long and posted as one message: one structured
 * clone and one worker wake-up per interval instead of one per 20 ms chunk per participant.
 * Any other message (an analysis, a gap, a release) first posts what was gathered, so the
 * worker always sees the audio before a request about it.
 */
const PUSH_COALESCE_MS = 10;
/**
 * A worker counts as behind (partials are skipped) with this many requests waiting, or this much
 * audio per stream not yet handled, in ms. An analysis costs about 5 ms (`bench voice_stream`).
 */
const BEHIND_PENDING = 2;
const BEHIND_LAG_MS = 500;

/** A voice request failed because the worker died, hung, restarted or was closed. */
export class VoiceWorkerError extends Error {
  readonly recoverable = true;
  constructor(message: string) {
    super(message);
    this.name = "VoiceWorkerError";
  }
}

/** Options for {@linkcode VoiceWorkerPool.start}. */
export interface VoiceWorkerPoolOptions {
  /** A request not answered within this long fails and the worker is restarted, in ms. Default 30000. */
  timeoutMs?: number;
  /** Most requests waiting for the worker at once. Default 1024. */
  maxPending?: number;
  /** Audio waiting for the worker, per open stream, beyond which new audio is shed, in ms. Default 3000. */
  maxLagMs?: number;
  /**
   * Longest time a stream's audio waits for its segmenter's verdict before it is analysed
   * anyway, in ms (VoiceStreamOptions.deferMs). Default 2000; 0 analyses every frame.
   */
  deferMs?: number;
  /** Worker script; default ./voice_worker.ts (tests substitute a faulty one). */
  workerUrl?: URL;
}

/** The pool's view of one stream. */
interface StreamState {
  /** Samples pushed: where the stream's media clock stands. */
  pushed: number;
  /** Where its segmenter stands (VoiceStage.speech); -1 until told. */
  earliestStartMs: number;
  inSpeech: boolean;
  /** The segmenter's `speechUntilMs` (-1: not told). */
  speechUntilMs: number;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** A worker holding every participant's voice stream. */
export class VoiceWorkerPool {
  #worker!: Worker;
  #pending = new Map<number, Pending>();
  /** Samples pushed per open stream: where each stream's media clock stands. */
  #streams = new Map<number, StreamState>();
  #nextId = 1;
  #nextStream = 1;
  #ready = true;
  #closed = false;
  #restarts = 0;
  /** Samples posted to the current worker, and those it has confirmed handling (by marks). */
  #postedSamples = 0;
  #handledSamples = 0;
  #nextMark = MARK_EVERY_SAMPLES;
  #shedSamples = 0;
  /** Audio gathered for the next batched push: stream ids and their samples, in order. */
  #outbox: { stream: number; samples: Float32Array }[] = [];
  #outboxSamples = 0;
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  readonly maxLagMs: number;
  readonly timeoutMs: number;
  readonly maxPending: number;
  readonly deferMs: number | undefined;

  private constructor(
    private readonly modelsDir: string,
    private readonly workerUrl: URL,
    readonly name: string,
    readonly card: Record<string, unknown>,
    worker: Worker,
    options: VoiceWorkerPoolOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxPending = options.maxPending ?? 1024;
    this.maxLagMs = options.maxLagMs ?? 3000;
    this.deferMs = options.deferMs;
    if (!(this.maxLagMs > 0)) throw new RangeError("maxLagMs must be > 0");
    if (!(this.timeoutMs > 0)) throw new RangeError("timeoutMs must be > 0");
    if (!(this.maxPending >= 1)) throw new RangeError("maxPending must be ≥ 1");
    this.#attach(worker);
  }

  /** Starts the worker and loads the voice model in it. */
  static async start(modelsDir: string, options: VoiceWorkerPoolOptions = {}): Promise<VoiceWorkerPool> {
    const url = options.workerUrl ?? new URL("./voice_worker.ts", import.meta.url);
    const { worker, ready } = await VoiceWorkerPool.#spawn(url, modelsDir);
    return new VoiceWorkerPool(modelsDir, url, ready.name, ready.card, worker, options);
  }

  static async #spawn(url: URL, modelsDir: string) {
    const worker = startModuleWorker(url);
    try {
      const ready = await new Promise<{ name: string; card: Record<string, unknown> }>((resolve, reject) => {
        worker.onmessage = (e: MessageEvent) => {
          if (e.data.type === "ready") resolve(e.data);
          else if (e.data.type === "init_error") reject(new Error(e.data.message));
        };
        worker.onerror = (e) => {
          e.preventDefault();
          reject(new Error(`voice worker failed to start: ${e.message}`));
        };
        worker.postMessage({ type: "init", modelsDir });
      });
      return { worker, ready };
    } catch (err) {
      worker.terminate();
      throw err;
    }
  }

  /** Workers started after the first (deaths and hangs). */
  get restarts(): number {
    return this.#restarts;
  }

  /** Whether a replacement worker is starting (requests are refused meanwhile). */
  get restarting(): boolean {
    return !this.#ready && !this.#closed;
  }

  /** Samples shed so far because the worker was behind. */
  get shedSamples(): number {
    return this.#shedSamples;
  }

  /** Audio posted and not yet handled by the worker, per open stream, in ms. */
  get lagMs(): number {
    return (this.#postedSamples - this.#handledSamples) / Math.max(1, this.#streams.size) / SAMPLES_PER_MS;
  }

  /** Open streams (participants) on this worker. */
  get streams(): number {
    return this.#streams.size;
  }

  /** Requests waiting for the worker. */
  get pending(): number {
    return this.#pending.size;
  }

  #attach(worker: Worker): void {
    this.#dropOutbox();
    this.#worker = worker;
    this.#postedSamples = this.#handledSamples = 0;
    this.#nextMark = MARK_EVERY_SAMPLES;
    worker.onmessage = (e: MessageEvent) => {
      const m = e.data;
      if (m.type === "mark") {
        this.#handledSamples = Math.max(this.#handledSamples, m.samples);
        return;
      }
      if (m.type !== "result") return;
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error) p.reject(new Error(m.error));
      else p.resolve(m.value);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      this.#fail(worker, `voice worker failed: ${e.message}`);
    };
  }

  /** The worker died or hung: fail what waits, start a new one, and reopen every stream in it. */
  #fail(worker: Worker, message: string): void {
    if (worker !== this.#worker || !this.#ready) return;
    worker.terminate();
    this.#rejectAll(new VoiceWorkerError(`${message}; voice worker restarted`));
    if (this.#closed) return;
    this.#ready = false;
    this.#restarts++;
    VoiceWorkerPool.#spawn(this.workerUrl, this.modelsDir).then(({ worker: w }) => {
      if (this.#closed) return void w.terminate();
      this.#attach(w);
      for (const [stream, s] of this.#streams) {
        // The new stream starts at the hop before the media time reached; the samples of that hop
        // already sent were lost with the old worker and are replaced by silence.
        const startFrame = Math.floor(s.pushed / HOP_SAMPLES);
        w.postMessage({ type: "open", stream, startFrame, deferMs: this.deferMs });
        const pad = new Float32Array(s.pushed - startFrame * HOP_SAMPLES);
        if (pad.length) w.postMessage({ type: "push", stream, samples: pad }, [pad.buffer]);
      }
      this.#ready = true;
    }, () => {
      // A worker that cannot even load the model: voice stays unavailable (requests fail).
      this.#closed = true;
    });
  }

  /** Posts the gathered audio as one message (streams, lengths and one transferred buffer). */
  #flush(): void {
    if (this.#flushTimer !== undefined) (clearTimeout(this.#flushTimer), this.#flushTimer = undefined);
    if (this.#outbox.length === 0) return;
    const streams = new Int32Array(this.#outbox.length);
    const lengths = new Int32Array(this.#outbox.length);
    const earliest = new Float64Array(this.#outbox.length);
    const inSpeech = new Uint8Array(this.#outbox.length);
    const until = new Float64Array(this.#outbox.length);
    const samples = new Float32Array(this.#outboxSamples);
    let o = 0;
    this.#outbox.forEach((e, i) => {
      streams[i] = e.stream;
      lengths[i] = e.samples.length;
      const st = this.#streams.get(e.stream);
      earliest[i] = st?.earliestStartMs ?? -1;
      inSpeech[i] = st?.inSpeech ? 1 : 0;
      until[i] = st?.speechUntilMs ?? -1;
      samples.set(e.samples, o);
      o += e.samples.length;
    });
    this.#outbox = [];
    this.#outboxSamples = 0;
    this.#worker.postMessage({ type: "push_many", streams, lengths, earliest, inSpeech, until, samples }, [
      samples.buffer,
    ]);
  }

  #dropOutbox(): void {
    if (this.#flushTimer !== undefined) (clearTimeout(this.#flushTimer), this.#flushTimer = undefined);
    this.#outbox = [];
    this.#outboxSamples = 0;
  }

  /** Posts a message after the audio gathered before it. */
  #post(msg: Record<string, unknown>): void {
    this.#flush();
    this.#worker.postMessage(msg);
  }

  #rejectAll(err: Error): void {
    for (const p of this.#pending.values()) (clearTimeout(p.timer), p.reject(err));
    this.#pending.clear();
  }

  #request<T>(msg: Record<string, unknown>): Promise<T> {
    if (this.#closed) return Promise.reject(new VoiceWorkerError("voice worker is closed"));
    if (!this.#ready) return Promise.reject(new VoiceWorkerError("voice worker is restarting"));
    if (this.#pending.size >= this.maxPending) {
      return Promise.reject(new SchedulerOverloadError("voice", this.#pending.size));
    }
    const id = this.#nextId++;
    const worker = this.#worker;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        // The worker is hung (or hopelessly behind): this request fails, and so does the worker.
        this.#pending.delete(id);
        reject(new VoiceWorkerError(`voice analysis did not finish within ${this.timeoutMs} ms`));
        this.#fail(worker, "voice worker did not answer");
      }, this.timeoutMs);
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.#post({ ...msg, id });
    });
  }

  /** A new participant's voice stage. */
  open(): VoiceStage {
    const stream = this.#nextStream++;
    const state: StreamState = { pushed: 0, earliestStartMs: -1, inSpeech: false, speechUntilMs: -1 };
    this.#streams.set(stream, state);
    if (this.#ready && !this.#closed) this.#post({ type: "open", stream, deferMs: this.deferMs });
    return {
      push: (samples: Float32Array) => {
        state.pushed += samples.length;
        // While a new worker starts, audio is dropped; the stream resumes at its media time.
        if (!this.#ready || this.#closed) return;
        if (this.lagMs > this.maxLagMs) {
          // The worker is behind: it skips this audio (cheap) instead of analysing it.
          this.#shedSamples += samples.length;
          this.#post({ type: "gap", stream, samples: samples.length });
          return;
        }
        this.#outbox.push({ stream, samples: samples.slice() });
        this.#outboxSamples += samples.length;
        this.#flushTimer ??= setTimeout(() => (this.#flushTimer = undefined, this.#flush()), PUSH_COALESCE_MS);
        this.#postedSamples += samples.length;
        if (this.#postedSamples >= this.#nextMark) {
          this.#nextMark = this.#postedSamples + MARK_EVERY_SAMPLES;
          this.#post({ type: "mark", samples: this.#postedSamples });
        }
      },
      analyze: (span: AnalysisSpan) => this.#request<ModalityEstimate | null>({ type: "analyze", stream, span }),
      speech: (earliestStartMs: number, inSpeech: boolean, speechUntilMs = -1) => {
        // Travels with the stream's next audio (the worker applies it after that audio).
        state.earliestStartMs = Math.max(state.earliestStartMs, earliestStartMs);
        state.inSpeech = inSpeech;
        state.speechUntilMs = speechUntilMs;
      },
      behind: () => this.#pending.size >= BEHIND_PENDING || this.lagMs > BEHIND_LAG_MS,
      summary: (span: AnalysisSpan) => this.#request<object | null>({ type: "summary", stream, span }),
      release: () => {
        this.#streams.delete(stream);
        if (this.#ready && !this.#closed) this.#post({ type: "release", stream });
      },
    };
  }

  /** Stops the worker; requests still waiting fail at once. */
  close(): void {
    this.#closed = true;
    this.#dropOutbox();
    this.#worker.terminate();
    this.#rejectAll(new VoiceWorkerError("voice worker is closed"));
  }
}
