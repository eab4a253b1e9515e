/**
 * Silero VAD v5 (github.com/snakers4/silero-vad, MIT), the ONNX file shipped in the npm package
 * @ricky0123/vad-web. One model is loaded per server; every participant's frames go through
 * one shared {@linkcode BatchScheduler}, each request carrying that participant's recurrent
 * state, so many streams run as one batched model call.
 */
import { fileURLToPath } from "node:url";
import { BatchScheduler, type BatchSchedulerOptions } from "../inference/batch_scheduler.ts";
import { loadLocalVad, loadWorkerVad, type VadBackend } from "./vad_backend.ts";

/** Samples per VAD frame at 16 kHz (32 ms). */
export const VAD_FRAME_SAMPLES = 512;
/** Samples of the previous frame prepended to each frame, as the reference implementation does. */
export const VAD_CONTEXT_SAMPLES = 64;
/** Floats in one stream's recurrent state ([2, 1, 128]). */
export const VAD_STATE_SIZE = 256;

/** Default location of the model file inside node_modules. */
export function defaultVadModelPath(): string {
  return fileURLToPath(new URL("../../node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx", import.meta.url));
}

/** One frame of one stream. */
export interface VadRequest {
  /** VAD_CONTEXT_SAMPLES + VAD_FRAME_SAMPLES samples at 16 kHz. */
  input: Float32Array;
  /** The stream's state before this frame; replaced by the state after it. */
  state: Float32Array;
}

/** Options for {@linkcode SileroVad.load}. */
export interface SileroVadOptions {
  /** Model file; default the one in @ricky0123/vad-web. */
  modelPath?: string;
  scheduler?: BatchSchedulerOptions;
  /** Run inference in a dedicated worker thread (the server's choice). Default false. */
  worker?: boolean;
}

/** The loaded Silero model with its shared batch queue. */
export class SileroVad {
  readonly scheduler: BatchScheduler<VadRequest, number>;

  private constructor(readonly backend: VadBackend, scheduler: BatchSchedulerOptions = {}) {
    this.scheduler = new BatchScheduler((reqs) => this.#runBatch(reqs), {
      name: "vad",
      maxBatch: 128,
      maxWaitMs: 2,
      maxQueue: 8192,
      ...scheduler,
    });
  }

  /** Loads the model once (in this thread, or in a worker with `worker: true`). */
  static async load(options: SileroVadOptions = {}): Promise<SileroVad> {
    const path = options.modelPath ?? defaultVadModelPath();
    const backend = options.worker ? await loadWorkerVad(path) : await loadLocalVad(path);
    return new SileroVad(backend, options.scheduler);
  }

  /** Speech probability of one frame through the shared batch queue; updates `request.state` in place. */
  infer(request: VadRequest): Promise<number> {
    return this.scheduler.submit(request);
  }

  /** Same as {@linkcode infer} but runs at once, alone; for offline analysis of single files. */
  async inferNow(request: VadRequest): Promise<number> {
    return (await this.#runBatch([request]))[0];
  }

  /** Stops the worker, if any. */
  close(): void {
    this.backend.close();
  }

  async #runBatch(reqs: VadRequest[]): Promise<number[]> {
    const b = reqs.length;
    const width = VAD_CONTEXT_SAMPLES + VAD_FRAME_SAMPLES;
    const input = new Float32Array(b * width);
    const state = new Float32Array(2 * b * 128);
    reqs.forEach((r, i) => {
      input.set(r.input, i * width);
      // Per-stream state is [2][128]; the batch tensor is [2][b][128].
      state.set(r.state.subarray(0, 128), i * 128);
      state.set(r.state.subarray(128, 256), (b + i) * 128);
    });
    const { probs, state: next } = await this.backend.run(input, state, b);
    return reqs.map((r, i) => {
      r.state.set(next.subarray(i * 128, (i + 1) * 128), 0);
      r.state.set(next.subarray((b + i) * 128, (b + i + 1) * 128), 128);
      return probs[i];
    });
  }
}

/**
 * One participant's VAD runner: cuts 16 kHz audio into frames, keeps the recurrent state and
 * the context samples, and returns each frame's probability in order. At most
 * `maxPendingFrames` frames wait for the model; beyond that, audio is refused so a stalled
 * model cannot make memory grow.
 */
export class VadStream {
  readonly #state = new Float32Array(VAD_STATE_SIZE);
  readonly #frame = new Float32Array(VAD_CONTEXT_SAMPLES + VAD_FRAME_SAMPLES);
  #fill = 0; // samples in the current frame after the context
  #chain: Promise<void> = Promise.resolve();
  #pending = 0;

  /**
   * @param maxPendingFrames frames allowed to wait for the model (default 94 ≈ 3 s of audio)
   * @param direct run each frame at once instead of through the shared batch queue (offline use)
   */
  constructor(private readonly vad: SileroVad, readonly maxPendingFrames = 94, readonly direct = false) {}

  /** Frames queued or running. */
  get pendingFrames(): number {
    return this.#pending;
  }

  /** Samples buffered that do not yet make a whole frame. */
  get bufferedSamples(): number {
    return this.#fill;
  }

  /** Whether `samples` more would exceed the pending-frame bound. */
  wouldOverflow(samples: number): boolean {
    return this.#pending + Math.floor((this.#fill + samples) / VAD_FRAME_SAMPLES) > this.maxPendingFrames;
  }

  /**
   * Feeds audio; `onProb(prob)` is called once per completed frame, strictly in order. A failed
   * frame calls `onError` instead and the frames after it still run. Returns a promise that
   * resolves when all frames fed so far are processed.
   */
  push(samples: Float32Array, onProb: (prob: number) => void, onError: (err: unknown) => void): Promise<void> {
    let i = 0;
    while (i < samples.length) {
      const take = Math.min(VAD_FRAME_SAMPLES - this.#fill, samples.length - i);
      this.#frame.set(samples.subarray(i, i + take), VAD_CONTEXT_SAMPLES + this.#fill);
      this.#fill += take;
      i += take;
      if (this.#fill === VAD_FRAME_SAMPLES) {
        const input = this.#frame.slice();
        // The last 64 samples of this frame are the next frame's context.
        this.#frame.copyWithin(0, VAD_FRAME_SAMPLES, VAD_FRAME_SAMPLES + VAD_CONTEXT_SAMPLES);
        this.#fill = 0;
        this.#pending++;
        this.#chain = this.#chain.then(async () => {
          try {
            const req = { input, state: this.#state };
            onProb(await (this.direct ? this.vad.inferNow(req) : this.vad.infer(req)));
          } catch (err) {
            onError(err);
          } finally {
            this.#pending--;
          }
        });
      }
    }
    return this.#chain;
  }

  /**
   * Advances the framing over `samples` without running the model: each completed frame reports
   * probability 0 (silence), in order after the frames already queued. Used when the model is
   * behind, so the media clock advances and memory stays bounded.
   */
  skip(samples: Float32Array, onProb: (prob: number) => void): void {
    const total = this.#fill + samples.length;
    const frames = Math.floor(total / VAD_FRAME_SAMPLES);
    this.#fill = total % VAD_FRAME_SAMPLES;
    this.#frame.fill(0);
    if (frames === 0) return;
    this.#chain = this.#chain.then(() => {
      for (let i = 0; i < frames; i++) onProb(0);
    });
  }

  /** Forgets the recurrent state, e.g. between independent files. */
  reset(): void {
    this.#state.fill(0);
    this.#frame.fill(0);
    this.#fill = 0;
  }
}
