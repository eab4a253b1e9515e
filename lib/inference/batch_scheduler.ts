/**
 * One inference queue shared by every session. Requests from many participants wait at most
 * `maxWaitMs` and run together as one batch of up to `maxBatch`, so the fixed cost of a model
 * call is shared and the cost per participant falls as load rises. The queue is bounded:
 * past `maxQueue` pending requests, new ones are rejected with {@linkcode SchedulerOverloadError}.
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
}

/** Raised when the queue is full; the caller drops or retries the work. */
export class SchedulerOverloadError extends Error {
  readonly recoverable = true;
  constructor(name: string, size: number) {
    super(`${name} inference queue is full (${size} requests pending)`);
    this.name = "SchedulerOverloadError";
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
}

/** Batches calls to `runBatch` across callers. */
export class BatchScheduler<I, O> {
  readonly maxBatch: number;
  readonly maxWaitMs: number;
  readonly maxQueue: number;
  readonly name: string;
  readonly stats: SchedulerStats = { batches: 0, items: 0, busyMs: 0, rejected: 0 };
  #queue: Pending<I, O>[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running = false;

  constructor(private readonly runBatch: (inputs: I[]) => Promise<O[]>, options: BatchSchedulerOptions = {}) {
    this.maxBatch = options.maxBatch ?? 64;
    this.maxWaitMs = options.maxWaitMs ?? 2;
    this.maxQueue = options.maxQueue ?? 4096;
    this.name = options.name ?? "model";
    if (!(this.maxBatch >= 1) || !Number.isInteger(this.maxBatch)) throw new RangeError("maxBatch must be an integer ≥ 1");
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
          const outputs = await this.runBatch(batch.map((p) => p.input));
          if (outputs.length !== batch.length) {
            throw new Error(`${this.name}: batch of ${batch.length} returned ${outputs.length} outputs`);
          }
          batch.forEach((p, i) => p.resolve(outputs[i]));
        } catch (err) {
          for (const p of batch) p.reject(err);
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
