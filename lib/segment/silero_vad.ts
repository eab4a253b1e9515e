/**
 * Silero VAD v5 (github.com/snakers4/silero-vad, MIT), from the ONNX file shipped in the npm
 * package @ricky0123/vad-web (see {@linkcode defaultVadModelPath}). One model is loaded per
 * server; every participant's frames go through one shared {@linkcode BatchScheduler}, each
 * request carrying that participant's recurrent state, so many streams run as one batched
 * model call.
 */
import { fileURLToPath } from "node:url";
import { BatchScheduler, type BatchSchedulerOptions } from "../inference/batch_scheduler.ts";
import { loadLocalVad, loadWorkerVad, type VadBackend, warmUp } from "./vad_backend.ts";

/** Samples per VAD frame at 16 kHz (32 ms). */
export const VAD_FRAME_SAMPLES = 512;
/** Samples of the previous frame prepended to each frame, as the reference implementation does. */
export const VAD_CONTEXT_SAMPLES = 64;
/** Floats in one stream's recurrent state ([2, 1, 128]). */
export const VAD_STATE_SIZE = 256;
/**
 * Silence gate: a frame whose level (RMS of its 512 new samples) is below this, in dBFS, is not
 * given to the model when the stream is already in silence (the previous frame's probability
 * below {@linkcode SILENCE_GATE_MAX_PROB}); it counts as probability 0 and the recurrent state is
 * kept. −60 dBFS is 20 dB below the quietest acted speech in the corpora (about −39 dBFS) and
 * at the level of a quiet room's noise floor; digital silence (muted or idle call-bot tracks)
 * is always gated. Frames after speech are never gated until the model itself has fallen
 * silent, so its hangover (the probability decaying over the first silent frames) is kept.
 */
export const SILENCE_GATE_DBFS = -60;
/** The gate applies only after a frame the model scored below this. */
export const SILENCE_GATE_MAX_PROB = 0.1;
/** Mean square of a frame at the gate level. */
const GATE_MEAN_SQUARE = 10 ** (SILENCE_GATE_DBFS / 10);

/**
 * The model the server runs: Silero v5's 16 kHz graph rewritten as batched matrix products
 * (models/silero_vad_v5_16k.onnx, made from {@linkcode sourceVadModelPath} by
 * training/vad/batched_silero.py; same weights, same outputs within float rounding, about 3×
 * fewer milliseconds per batch in onnxruntime-web's WebAssembly backend; models/silero_vad.md).
 */
export function defaultVadModelPath(): string {
  return fileURLToPath(new URL("../../models/silero_vad_v5_16k.onnx", import.meta.url));
}

/** The model file as Silero publishes it, inside the npm package @ricky0123/vad-web. */
export function sourceVadModelPath(): string {
  return fileURLToPath(new URL("../../node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx", import.meta.url));
}

/** One stream's waiting frames, as a request to the shared queue. */
export interface VadRequest {
  /** `count` frames of VAD_CONTEXT_SAMPLES + VAD_FRAME_SAMPLES samples each, back to back. */
  frames: Float32Array;
  count: number;
  /** The stream's state before the first frame; replaced by the state after the last. */
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
  readonly scheduler: BatchScheduler<VadRequest, Float32Array>;
  /** Frames answered by the silence gate without the model, over every stream. */
  gatedFrames = 0;

  private constructor(readonly backend: VadBackend, scheduler: BatchSchedulerOptions = {}) {
    this.scheduler = new BatchScheduler((reqs) => this.backend.run(reqs), {
      name: "vad",
      maxBatch: 256,
      maxWaitMs: 1,
      maxQueue: 4096,
      ...scheduler,
    });
  }

  /** Loads the model once (in this thread, or in a worker with `worker: true`). */
  static async load(options: SileroVadOptions = {}): Promise<SileroVad> {
    const path = options.modelPath ?? defaultVadModelPath();
    // A worker warms its own model up (again after a restart); an in-thread one is warmed here.
    const backend = options.worker ? await loadWorkerVad(path) : await loadLocalVad(path);
    if (!options.worker) await warmUp(backend);
    return new SileroVad(backend, options.scheduler);
  }

  /** Probabilities of a stream's waiting frames, batched with other streams; updates `request.state`. */
  infer(request: VadRequest): Promise<Float32Array> {
    return this.scheduler.submit(request);
  }

  /** Same as {@linkcode infer} but runs at once, alone; for offline analysis of single files. */
  async inferNow(request: VadRequest): Promise<Float32Array> {
    return (await this.backend.run([request]))[0];
  }

  /** Stops the worker, if any. */
  close(): void {
    this.backend.close();
  }
}

/** A frame waiting for the model (or a skipped one, reported as silence). */
interface QueuedFrame {
  input: Float32Array | null;
  /** Below the silence gate's level. */
  quiet: boolean;
  onProb: (prob: number) => void;
  onError: (err: unknown) => void;
}

/**
 * One participant's VAD runner: cuts 16 kHz audio into frames, keeps the recurrent state and
 * the context samples, and returns each frame's probability in order. Frames that arrive while
 * a request is in flight wait and go together in the next one. At most `maxPendingFrames`
 * frames wait; beyond that the caller skips audio (see {@linkcode skip}) so a stalled model
 * cannot make memory grow.
 */
export class VadStream {
  readonly #state = new Float32Array(VAD_STATE_SIZE);
  readonly #frame = new Float32Array(VAD_CONTEXT_SAMPLES + VAD_FRAME_SAMPLES);
  #fill = 0; // samples in the current frame after the context
  #queue: QueuedFrame[] = [];
  #inFlight = 0; // frames in the request being run
  #idle: (() => void)[] = [];
  /** The last probability the model gave (1 before any: a stream starts ungated). */
  #lastProb = 1;

  /**
   * @param maxPendingFrames frames allowed to wait for the model (default 94 ≈ 3 s of audio)
   * @param direct run at once instead of through the shared batch queue (offline use)
   * @param gate skip the model on quiet frames in silence ({@linkcode SILENCE_GATE_DBFS}); default true
   */
  constructor(
    private readonly vad: SileroVad,
    readonly maxPendingFrames = 94,
    readonly direct = false,
    readonly gate = true,
  ) {}

  /** Frames queued or running. */
  get pendingFrames(): number {
    return this.#queue.length + this.#inFlight;
  }

  /** Whether `samples` more would exceed the pending-frame bound. */
  wouldOverflow(samples: number): boolean {
    return this.pendingFrames + Math.floor((this.#fill + samples) / VAD_FRAME_SAMPLES) > this.maxPendingFrames;
  }

  /**
   * Feeds audio; `onProb(prob)` is called once per completed frame, strictly in order. If the
   * model fails, the request's frames are reported as silence (probability 0), `onError` is
   * called once for the request, and later frames still run. Returns a promise that resolves when every frame fed so far is processed.
   */
  push(samples: Float32Array, onProb: (prob: number) => void, onError: (err: unknown) => void): Promise<void> {
    this.feed(samples, onProb, onError);
    return this.#whenIdle();
  }

  /** {@linkcode push} for callers that do not wait for the frames (no promise per call). */
  feed(samples: Float32Array, onProb: (prob: number) => void, onError: (err: unknown) => void): void {
    let i = 0;
    while (i < samples.length) {
      const take = Math.min(VAD_FRAME_SAMPLES - this.#fill, samples.length - i);
      this.#frame.set(samples.subarray(i, i + take), VAD_CONTEXT_SAMPLES + this.#fill);
      this.#fill += take;
      i += take;
      if (this.#fill === VAD_FRAME_SAMPLES) {
        let e = 0;
        for (let k = VAD_CONTEXT_SAMPLES; k < this.#frame.length; k++) e += this.#frame[k] * this.#frame[k];
        const quiet = this.gate && e < GATE_MEAN_SQUARE * VAD_FRAME_SAMPLES;
        this.#queue.push({ input: this.#frame.slice(), quiet, onProb, onError });
        // The last 64 samples of this frame are the next frame's context.
        this.#frame.copyWithin(0, VAD_FRAME_SAMPLES, VAD_FRAME_SAMPLES + VAD_CONTEXT_SAMPLES);
        this.#fill = 0;
      }
    }
    this.#pump();
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
    for (let k = 0; k < frames; k++) this.#queue.push({ input: null, quiet: true, onProb, onError: () => {} });
    this.#pump();
  }

  /** Forgets the recurrent state, e.g. between independent files. */
  reset(): void {
    this.#state.fill(0);
    this.#frame.fill(0);
    this.#fill = 0;
    this.#lastProb = 1;
  }

  #whenIdle(): Promise<void> {
    if (this.pendingFrames === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #pump(): void {
    if (this.#inFlight > 0) return;
    // Skipped frames at the head are reported at once, in order; so are quiet frames while the
    // stream is in silence (the silence gate). Every earlier frame has its probability here.
    for (;;) {
      const head = this.#queue[0];
      if (!head) break;
      if (head.input === null) this.#queue.shift()!.onProb(0);
      else if (head.quiet && this.#lastProb < SILENCE_GATE_MAX_PROB) {
        this.vad.gatedFrames++;
        this.#queue.shift()!.onProb(0);
      } else break;
    }
    let n = 0;
    while (n < this.#queue.length && this.#queue[n].input !== null) n++;
    if (n === 0) {
      for (const r of this.#idle.splice(0)) r();
      return;
    }
    const batch = this.#queue.splice(0, n);
    const width = VAD_CONTEXT_SAMPLES + VAD_FRAME_SAMPLES;
    const frames = new Float32Array(n * width);
    batch.forEach((f, k) => frames.set(f.input!, k * width));
    this.#inFlight = n;
    const req = { frames, count: n, state: this.#state };
    (this.direct ? this.vad.inferNow(req) : this.vad.infer(req)).then(
      (probs) => {
        this.#inFlight = 0;
        this.#lastProb = probs[n - 1];
        batch.forEach((f, k) => f.onProb(probs[k]));
      },
      (err) => {
        // The frames still count: as silence, so the stream's frame clock (and every later
        // utterance span) stays right; the failure is reported once for the request.
        this.#inFlight = 0;
        for (const f of batch) f.onProb(0);
        batch[0].onError(err);
      },
    ).finally(() => this.#pump());
  }
}
