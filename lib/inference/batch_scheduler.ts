/**
 * One inference queue shared by every session. Requests from many participants wait at most
 * `maxWaitMs` and run together as one batch of up to `maxBatch`, so the fixed cost of a model
 * call is shared and the cost per participant falls as load rises. The queue is bounded:
 * past `maxQueue` pending requests, new ones are rejected with {@linkcode SchedulerOverloadError}.
 * Failures stay with their owner: when a batch fails, its requests are retried one by one so only
 * the bad input fails, and a batch that does not settle within `timeoutMs` fails with
 * {@linkcode SchedulerTimeoutError} instead of holding the queue forever.
 */

/** Options for {@linkcode BatchScheduler}. */
export interface BatchSchedulerOptions {
  /** Largest batch passed to the model in one call. Default 64. */
  maxBatch?: number;
  /** Longest a request waits for others to join its batch, in ms. Default 2. */
  maxWaitMs?: number;
  /** Most requests waiting at once before new ones are rejected. Default 4096. */
  maxQueue?: number;
  /** Name used in errors and statistics. */
  name?: string;
  /**
   * Longest one model call may take before its requests fail with SchedulerTimeoutError, in ms;
   * 0 waits forever. Default 30000 (a shared machine under load can be slow; a hang is not).
   */
  timeoutMs?: number;
  /**
   * Retry each request of a failed batch alone, so one bad input fails only its own request.
   * `runBatch` must then leave its inputs unchanged when it fails. Default true.
   */
  isolateFailures?: boolean;
}

/** Raised when the queue is full; the caller drops or retries the work. */
export class SchedulerOverloadError extends Error {
  readonly recoverable = true;
  constructor(name: string, size: number) {
    super(`${name} inference queue is full (${size} requests pending)`);
    this.name = "SchedulerOverloadError";
  }
}

/** Raised when a model call took longer than `timeoutMs`; the caller's request is dropped. */
export class SchedulerTimeoutError extends Error {
  readonly recoverable = true;
  constructor(name: string, ms: number) {
    super(`${name} inference did not finish within ${ms} ms`);
    this.name = "SchedulerTimeoutError";
  }
}

interface Pending<I, O> {
  input: I;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

/** Running totals a benchmark or the health endpoint reads. */
export interface SchedulerStats {
  batches: number;
  items: number;
  busyMs: number;
  rejected: number;
  /** Model calls that timed out. */
  timeouts: number;
  /** Requests that failed alone after their batch failed (bad inputs). */
  isolatedFailures: number;
}

/** Batches calls to `runBatch` across callers. */
export class BatchScheduler<I, O> {
  readonly maxBatch: number;
  readonly maxWaitMs: number;
  readonly maxQueue: number;
  readonly name: string;
  readonly timeoutMs: number;
  readonly isolateFailures: boolean;
  readonly stats: SchedulerStats = { batches: 0, items: 0, busyMs: 0, rejected: 0, timeouts: 0, isolatedFailures: 0 };
  #queue: Pending<I, O>[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running = false;

  constructor(private readonly runBatch: (inputs: I[]) => Promise<O[]>, options: BatchSchedulerOptions = {}) {
    this.maxBatch = options.maxBatch ?? 64;
    this.maxWaitMs = options.maxWaitMs ?? 2;
    this.maxQueue = options.maxQueue ?? 4096;
    this.name = options.name ?? "model";
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.isolateFailures = options.isolateFailures ?? true;
    if (!(this.timeoutMs >= 0)) throw new RangeError("timeoutMs must be ≥ 0");
    if (!(this.maxBatch >= 1) || !Number.isInteger(this.maxBatch)) {
      throw new RangeError("maxBatch must be an integer ≥ 1");
    }
    if (!(this.maxWaitMs >= 0)) throw new RangeError("maxWaitMs must be ≥ 0");
    if (!(this.maxQueue >= this.maxBatch)) throw new RangeError("maxQueue must be ≥ maxBatch");
  }

  /** Number of requests waiting. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Queues one input; resolves with its output once its batch has run. */
  submit(input: I): Promise<O> {
    if (this.#queue.length >= this.maxQueue) {
      this.stats.rejected++;
      return Promise.reject(new SchedulerOverloadError(this.name, this.#queue.length));
    }
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ input, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#running) return; // the running batch drains the queue when it finishes
    if (this.#queue.length >= this.maxBatch) {
      this.#clearTimer();
      void this.#drain();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.#drain();
      }, this.maxWaitMs);
    }
  }

  /** One model call, checked and bounded in time. */
  async #run(inputs: I[]): Promise<O[]> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const call = this.runBatch(inputs);
    call.catch(() => {}); // an abandoned (timed-out) call may still fail later
    const outputs = this.timeoutMs > 0
      ? await Promise.race([
        call,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            this.stats.timeouts++;
            reject(new SchedulerTimeoutError(this.name, this.timeoutMs));
          }, this.timeoutMs);
        }),
      ]).finally(() => clearTimeout(timer))
      : await call;
    if (outputs.length !== inputs.length) {
      throw new Error(`${this.name}: batch of ${inputs.length} returned ${outputs.length} outputs`);
    }
    return outputs;
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #drain(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.maxBatch);
        const t0 = performance.now();
        try {
          const outputs = await this.#run(batch.map((p) => p.input));
          batch.forEach((p, i) => p.resolve(outputs[i]));
        } catch (err) {
          // Timeouts and errors that say so (a dead worker) are not about one input: no retry.
          const notAboutInput = err instanceof SchedulerTimeoutError ||
            (err as { isolate?: boolean })?.isolate === false;
          if (!this.isolateFailures || batch.length === 1 || notAboutInput) {
            for (const p of batch) p.reject(err);
          } else {
            // One bad input must not fail everyone's request: run each alone.
            for (const p of batch) {
              try {
                p.resolve((await this.#run([p.input]))[0]);
              } catch (e) {
                this.stats.isolatedFailures++;
                p.reject(e);
              }
            }
          }
        } finally {
          this.stats.batches++;
          this.stats.items += batch.length;
          this.stats.busyMs += performance.now() - t0;
        }
      }
    } finally {
      this.#running = false;
    }
  }
}
