/**
 * A bounded pool of recogniser processes behind the {@linkcode Recognizer} interface: N processes,
 * a bounded FIFO of waiting utterances (a call beyond it fails at once with code "overloaded"),
 * a time limit per call (the process is killed and restarted), and restart with exponential
 * back-off when a process dies or cannot start. Recogniser failures only ever reject calls:
 * they never throw into, or stop, the server.
 */
import { ASR_SAMPLE_RATE, AsrError, type Recognition, type RecognizeOptions, type Recognizer } from "./recognizer.ts";
import type { RecognizerProcess, SpawnRecognizer } from "./recognizer_process.ts";

/** Options for {@linkcode RecognizerPool}. */
export interface RecognizerPoolOptions {
  /** Starts one process. */
  spawn: SpawnRecognizer;
  /** Processes run at once; default 1, range [1, 16]. */
  processes?: number;
  /** Calls that may wait for a free process; default 8, range [0, 1000]. */
  maxQueue?: number;
  /**
   * Time limit of one call in ms, from when a process takes it. Default: 10000 + 3 × the audio's
   * duration (pocketsphinx runs at about 0.3× real time on one core, docs/asr.md).
   */
  timeoutMs?: number;
  /** First restart delay after a crash or failed start, in ms, doubled per failure up to 30 s; default 500. */
  restartBackoffMs?: number;
  /** Longest utterance accepted, in ms; longer ones are cut to their first maxAudioMs. Default 30000. */
  maxAudioMs?: number;
}

interface Job {
  pcm: Float32Array;
  opts: RecognizeOptions;
  resolve: (r: Recognition) => void;
  reject: (e: Error) => void;
  settled: boolean;
}

interface Slot {
  proc?: RecognizerProcess;
  busy: boolean;
  failures: number;
  /** performance.now() before which no restart is tried. */
  retryAt: number;
  lastError?: string;
}

const MAX_BACKOFF_MS = 30_000;

/** Counters for health reporting and tests. */
export interface PoolStats {
  processes: number;
  running: number;
  queued: number;
  completed: number;
  failed: number;
  overloaded: number;
  restarts: number;
}

/** The bounded recogniser pool. */
export class RecognizerPool implements Recognizer {
  readonly #spawn: SpawnRecognizer;
  readonly #maxQueue: number;
  readonly #timeoutMs?: number;
  readonly #backoffMs: number;
  readonly #maxAudioSamples: number;
  #slots: Slot[];
  #queue: Job[] = [];
  #closed = false;
  #stats = { completed: 0, failed: 0, overloaded: 0, restarts: 0 };
  #seq = 0;

  constructor(options: RecognizerPoolOptions) {
    const n = options.processes ?? 1;
    if (!(Number.isInteger(n) && n >= 1 && n <= 16)) throw new RangeError("processes must be an integer in [1, 16]");
    const q = options.maxQueue ?? 8;
    if (!(Number.isInteger(q) && q >= 0 && q <= 1000)) throw new RangeError("maxQueue must be an integer in [0, 1000]");
    if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) throw new RangeError("timeoutMs must be > 0");
    const b = options.restartBackoffMs ?? 500;
    if (!(b >= 0)) throw new RangeError("restartBackoffMs must be ≥ 0");
    const maxAudioMs = options.maxAudioMs ?? 30_000;
    if (!(maxAudioMs >= 100)) throw new RangeError("maxAudioMs must be ≥ 100");
    this.#spawn = options.spawn;
    this.#maxQueue = q;
    this.#timeoutMs = options.timeoutMs;
    this.#backoffMs = b;
    this.#maxAudioSamples = Math.round((maxAudioMs * ASR_SAMPLE_RATE) / 1000);
    this.#slots = Array.from({ length: n }, () => ({ busy: false, failures: 0, retryAt: 0 }));
  }

  /** Current counters. */
  get stats(): PoolStats {
    return {
      processes: this.#slots.filter((s) => s.proc).length,
      running: this.#slots.filter((s) => s.busy).length,
      queued: this.#queue.length,
      ...this.#stats,
    };
  }

  recognize(pcm16k: Float32Array, opts: RecognizeOptions = {}): Promise<Recognition> {
    if (this.#closed) return Promise.reject(new AsrError("closed", "the recogniser pool is closed"));
    if (opts.signal?.aborted) return Promise.reject(new AsrError("aborted", "aborted before it started"));
    const idle = this.#slots.some((s) => !s.busy);
    if (!idle && this.#queue.length >= this.#maxQueue) {
      this.#stats.overloaded++;
      return Promise.reject(
        new AsrError("overloaded", `speech recognition is saturated (${this.#queue.length} utterances waiting)`),
      );
    }
    const pcm = pcm16k.length > this.#maxAudioSamples ? pcm16k.subarray(0, this.#maxAudioSamples) : pcm16k;
    return new Promise<Recognition>((resolve, reject) => {
      const job: Job = { pcm, opts, resolve, reject, settled: false };
      opts.signal?.addEventListener("abort", () => this.#settle(job, new AsrError("aborted", "aborted")), {
        once: true,
      });
      this.#queue.push(job);
      this.#pump();
    });
  }

  /** Kills every process; waiting and running calls reject with "closed". */
  async close(): Promise<void> {
    this.#closed = true;
    for (const j of this.#queue.splice(0)) this.#settle(j, new AsrError("closed", "the recogniser pool was closed"));
    const exits = this.#slots.flatMap((s) => (s.proc ? [s.proc.exited] : []));
    for (const s of this.#slots) s.proc?.kill();
    await Promise.allSettled(exits);
  }

  #settle(job: Job, result: Recognition | Error): void {
    if (job.settled) return;
    job.settled = true;
    const i = this.#queue.indexOf(job);
    if (i >= 0) this.#queue.splice(i, 1);
    if (result instanceof Error) {
      this.#stats.failed++;
      job.reject(result);
    } else {
      this.#stats.completed++;
      job.resolve(result);
    }
  }

  #pump(): void {
    for (const slot of this.#slots) {
      if (this.#closed || this.#queue.length === 0) return;
      if (slot.busy) continue;
      const job = this.#queue.shift()!;
      if (job.settled) continue;
      slot.busy = true;
      this.#run(slot, job).finally(() => {
        slot.busy = false;
        this.#pump();
      });
    }
  }

  async #run(slot: Slot, job: Job): Promise<void> {
    let proc: RecognizerProcess;
    try {
      proc = await this.#ensure(slot);
    } catch (err) {
      this.#settle(job, err as AsrError);
      return;
    }
    if (job.settled) return; // aborted while the process started
    const durMs = (job.pcm.length / ASR_SAMPLE_RATE) * 1000;
    const limit = job.opts.timeoutMs ?? this.#timeoutMs ?? 10_000 + 3 * durMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => timer = setTimeout(() => resolve("timeout"), limit));
    const id = job.opts.utteranceId ?? `u${++this.#seq}`;
    const call = proc.recognize(job.pcm, id).then((r) => r, (e: Error) => e);
    const outcome = await Promise.race([call, timeout]);
    clearTimeout(timer);
    if (outcome === "timeout") {
      proc.kill();
      this.#dropProcess(slot, proc, `timed out after ${Math.round(limit)} ms`);
      this.#settle(job, new AsrError("timeout", `speech recognition took longer than ${Math.round(limit)} ms`));
    } else if (outcome instanceof Error) {
      // A recogniser's own error answer leaves the process running; a dead process is replaced.
      const dead = await Promise.race([
        proc.exited.then(() => true),
        new Promise((r) => setTimeout(() => r(false), 50)),
      ]);
      if (dead) {
        this.#dropProcess(slot, proc, outcome.message);
        this.#settle(job, new AsrError("crashed", outcome.message, { cause: outcome }));
      } else {
        this.#settle(job, new AsrError("bad_output", outcome.message, { cause: outcome }));
      }
    } else {
      slot.failures = 0;
      this.#settle(job, outcome);
    }
  }

  #dropProcess(slot: Slot, proc: RecognizerProcess, why: string): void {
    if (slot.proc !== proc) return;
    slot.proc = undefined;
    slot.lastError = why;
    slot.failures++;
    slot.retryAt = performance.now() + Math.min(MAX_BACKOFF_MS, this.#backoffMs * 2 ** (slot.failures - 1));
  }

  async #ensure(slot: Slot): Promise<RecognizerProcess> {
    if (slot.proc) return slot.proc;
    const wait = slot.retryAt - performance.now();
    if (wait > 0) {
      throw new AsrError(
        "unavailable",
        `speech recognition is restarting (${slot.lastError ?? "failed"}); next try in ${Math.ceil(wait)} ms`,
      );
    }
    try {
      const proc = await this.#spawn();
      if (slot.failures > 0 || slot.lastError) this.#stats.restarts++;
      slot.proc = proc;
      // A process that dies while idle is noticed here and replaced on the next call.
      proc.exited.then((why) => this.#dropProcess(slot, proc, why));
      if (this.#closed) proc.kill();
      return proc;
    } catch (err) {
      slot.lastError = (err as Error).message;
      slot.failures++;
      slot.retryAt = performance.now() + Math.min(MAX_BACKOFF_MS, this.#backoffMs * 2 ** (slot.failures - 1));
      throw new AsrError("unavailable", `cannot start speech recognition: ${(err as Error).message}`, { cause: err });
    }
  }
}
