/**
 * Several voice workers side by side: each participant's voice stream lives on one of them (the
 * one holding the fewest streams when it opens), so feature extraction and the voice model use
 * every core instead of queueing on one thread. Each worker is a {@linkcode VoiceWorkerPool}
 * with its own bounds, timeouts and restarts; a fault in one leaves the others' streams alone.
 */
import type { VoiceStage } from "./stages.ts";
import { VoiceWorkerPool, type VoiceWorkerPoolOptions } from "./voice_worker_pool.ts";

/**
 * Default number of voice workers: one per core beyond the first (which the socket thread and the
 * VAD worker share), at least 1, at most 4, and 2 on a 2-core machine. There, since the VAD runs
 * the batched Silero graph (about 20 % of a core at 128 participants), two voice workers measured
 * better than one (`bench server_load`, 128 participants, run alternately: p99 to `emotion` 59 and
 * 99 ms with two, 115 and 238 ms with one; p99 to `utterance.end` 29–41 vs 27–28 ms; the same
 * server CPU within the machine's drift). With the published Silero graph (64–72 % of a core) two
 * voice workers had been worse.
 */
export function defaultVoiceWorkers(): number {
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  return cores === 2 ? 2 : Math.max(1, Math.min(4, cores - 1));
}

/** Voice workers sharing the participants. */
export class VoiceWorkerShards {
  private constructor(readonly pools: VoiceWorkerPool[]) {}

  /** Starts `count` workers (each loads the voice model); fails, closing any started, if one cannot. */
  static async start(
    modelsDir: string,
    count: number,
    options: VoiceWorkerPoolOptions = {},
  ): Promise<VoiceWorkerShards> {
    if (!(Number.isInteger(count) && count >= 1)) {
      throw new RangeError(`voice workers must be an integer ≥ 1, got ${count}`);
    }
    // One after another: each worker compiles the model and the runtime's WebAssembly on start.
    const pools: VoiceWorkerPool[] = [];
    try {
      for (let i = 0; i < count; i++) pools.push(await VoiceWorkerPool.start(modelsDir, options));
    } catch (err) {
      for (const p of pools) p.close();
      throw err;
    }
    return new VoiceWorkerShards(pools);
  }

  get name(): string {
    return this.pools[0].name;
  }

  get card(): Record<string, unknown> {
    return this.pools[0].card;
  }

  /** Worker restarts, over all workers. */
  get restarts(): number {
    return this.pools.reduce((a, p) => a + p.restarts, 0);
  }

  /** Samples shed because a worker was behind, over all workers. */
  get shedSamples(): number {
    return this.pools.reduce((a, p) => a + p.shedSamples, 0);
  }

  /** A new participant's voice stage, on the worker with the fewest open streams. */
  open(): VoiceStage {
    let best = this.pools[0];
    for (const p of this.pools) if (p.streams < best.streams) best = p;
    return best.open();
  }

  /** Stops every worker; requests still waiting fail at once. */
  close(): void {
    for (const p of this.pools) p.close();
  }
}
