/**
 * Where Silero runs: in this thread, or in a dedicated worker so inference does not hold up
 * the thread that serves sockets (the server's default; on a 2-core machine the model then
 * gets its own core). A call carries, for each stream, the frames it has waiting and its
 * recurrent state; the backend runs them step by step (one batched model call per step, every
 * stream with a frame at that step in the batch), so a stream that fell behind catches up in
 * one round trip instead of one per frame.
 */
import { OnnxModel, ort } from "../inference/onnx_model.ts";
import { startModuleWorker } from "../inference/web_worker.ts";

/** Samples per frame given to the model: 64 context + 512 new. */
export const VAD_INPUT_SAMPLES = 576;

/** One stream's waiting frames. */
export interface VadSequence {
  /** `count` frames of VAD_INPUT_SAMPLES samples, back to back. */
  frames: Float32Array;
  count: number;
  /** The stream's state, [2][128]; updated in place (worker: returned). */
  state: Float32Array;
}

/** Work done by a backend: model calls (steps), frames, and milliseconds spent inside them. */
export interface VadBackendStats {
  steps: number;
  frames: number;
  computeMs: number;
}

/** Runs batched Silero calls over sequences. */
export interface VadBackend {
  readonly executionProvider: string;
  /** Running totals (for a worker: as of its last reply). */
  readonly stats: VadBackendStats;
  /** Speech probability of every frame of every sequence; states are updated. */
  run(seqs: VadSequence[]): Promise<Float32Array[]>;
  close(): void;
}

type Step = (
  input: Float32Array,
  state: Float32Array,
  batch: number,
) => Promise<{ probs: Float32Array; state: Float32Array }>;

/**
 * Runs sequences step by step with `step` (one batched call per step). States are written back
 * only when every step succeeded, so a failed call leaves its inputs as they were (the scheduler
 * may then retry each sequence alone).
 */
async function runSequences(step: Step, seqs: VadSequence[], stats: VadBackendStats): Promise<Float32Array[]> {
  const t0 = performance.now();
  const out = seqs.map((s) => new Float32Array(s.count));
  const states = seqs.map((s) => s.state.slice());
  const steps = Math.max(0, ...seqs.map((s) => s.count));
  for (let t = 0; t < steps; t++) {
    const rows = seqs.map((s, i) => [s, i] as const).filter(([s]) => s.count > t);
    const b = rows.length;
    const input = new Float32Array(b * VAD_INPUT_SAMPLES);
    const state = new Float32Array(2 * b * 128);
    rows.forEach(([s, i], r) => {
      input.set(s.frames.subarray(t * VAD_INPUT_SAMPLES, (t + 1) * VAD_INPUT_SAMPLES), r * VAD_INPUT_SAMPLES);
      // A stream's state is [2][128]; the batch tensor is [2][b][128].
      state.set(states[i].subarray(0, 128), r * 128);
      state.set(states[i].subarray(128, 256), (b + r) * 128);
    });
    const res = await step(input, state, b);
    rows.forEach(([, i], r) => {
      states[i].set(res.state.subarray(r * 128, (r + 1) * 128), 0);
      states[i].set(res.state.subarray((b + r) * 128, (b + r + 1) * 128), 128);
      out[i][t] = res.probs[r];
    });
    stats.steps++;
    stats.frames += b;
  }
  seqs.forEach((s, i) => s.state.set(states[i]));
  stats.computeMs += performance.now() - t0;
  return out;
}

/** Longest time spent warming the model up at load, in ms. */
const WARM_UP_MS = 3000;
/** Samples per 32 ms frame and per recurrent state, as the model takes them. */
const FRAME_INPUT = VAD_INPUT_SAMPLES;
const STATE_SIZE = 256;

/**
 * Runs batches of low noise at load until their cost settles, so WebAssembly tier-up (V8
 * compiles hot functions with its optimising compiler only after they ran a while) happens at
 * start, not on the first participants' speech: cold batches were measured at 2–3× the warm
 * cost, enough to back VAD up by seconds under load. A restarted worker warms up again.
 */
export async function warmUp(backend: VadBackend, maxMs = WARM_UP_MS): Promise<void> {
  let seed = 1;
  const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.01;
  const t0 = performance.now();
  let best = Infinity;
  for (let i = 0; performance.now() - t0 < maxMs; i++) {
    const seqs = Array.from({ length: 64 }, () => ({
      frames: Float32Array.from({ length: 4 * FRAME_INPUT }, noise),
      count: 4,
      state: new Float32Array(STATE_SIZE),
    }));
    const t = performance.now();
    await backend.run(seqs);
    const ms = performance.now() - t;
    // Settled: well into the run and within 10 % of the best batch seen.
    if (i >= 20 && ms <= best * 1.1) break;
    best = Math.min(best, ms);
  }
  backend.stats.steps = backend.stats.frames = backend.stats.computeMs = 0;
}

/** Loads the model into an in-thread onnxruntime-web session. */
export async function loadLocalVad(modelPath: string): Promise<VadBackend> {
  const model = await OnnxModel.load(modelPath, { inputs: ["input", "state", "sr"], outputs: ["output", "stateN"] });
  const sr = new ort.Tensor("int64", BigInt64Array.from([16000n]), []);
  const step: Step = async (input, state, batch) => {
    const out = await model.run({
      input: new ort.Tensor("float32", input, [batch, VAD_INPUT_SAMPLES]),
      state: new ort.Tensor("float32", state, [2, batch, 128]),
      sr,
    });
    return { probs: out.output.data as Float32Array, state: out.stateN.data as Float32Array };
  };
  const stats: VadBackendStats = { steps: 0, frames: 0, computeMs: 0 };
  return {
    executionProvider: model.executionProvider,
    stats,
    run: (seqs) => runSequences(step, seqs, stats),
    close: () => void model.release(),
  };
}

/** The VAD worker died, hung or was restarted while a request was in flight; the request's frames count as silence. */
export class VadWorkerError extends Error {
  readonly recoverable = true;
  /** Not a bad input: the batch scheduler does not retry its requests one by one. */
  readonly isolate = false;
  constructor(message: string) {
    super(message);
    this.name = "VadWorkerError";
  }
}

/** Options for {@linkcode loadWorkerVad}. */
export interface WorkerVadOptions {
  /** A request not answered within this long counts as a hung worker (restarted), in ms. Default 30000. */
  timeoutMs?: number;
}

/** A worker backend, supervised: a worker that dies or hangs is replaced and the stream carries on. */
export interface WorkerVadBackend extends VadBackend {
  /** Workers started after the first (deaths and hangs). */
  readonly restarts: number;
  /** Requests posted to the worker and not answered yet. */
  readonly inFlight: number;
  /** Kills the current worker as a crash would (fault injection); the next request starts a new one. */
  kill(): void;
}

interface WorkerPending {
  seqs: VadSequence[];
  resolve: (r: Float32Array[]) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Floats of one stream's Silero state ([2][128]). */
export const VAD_STATE_SIZE = 256;

/** Sequences as three flat arrays, one message with three transfers instead of one object and array per stream. */
export interface PackedSequences {
  /** Each sequence's frames, back to back (`counts[i]` frames of VAD_INPUT_SAMPLES samples each). */
  frames: Float32Array;
  counts: Int32Array;
  /** Each sequence's state, VAD_STATE_SIZE floats each. */
  states: Float32Array;
}

/** Packs sequences for the worker (copies: the caller keeps its arrays). */
export function packSequences(seqs: VadSequence[]): PackedSequences {
  const counts = Int32Array.from(seqs, (s) => s.count);
  let total = 0;
  for (const s of seqs) total += s.count * VAD_INPUT_SAMPLES;
  const frames = new Float32Array(total), states = new Float32Array(seqs.length * VAD_STATE_SIZE);
  let o = 0;
  seqs.forEach((s, i) => {
    if (s.state.length !== VAD_STATE_SIZE) {
      throw new RangeError(`a VAD state has ${VAD_STATE_SIZE} floats, got ${s.state.length}`);
    }
    frames.set(s.frames.subarray(0, s.count * VAD_INPUT_SAMPLES), o);
    o += s.count * VAD_INPUT_SAMPLES;
    states.set(s.state, i * VAD_STATE_SIZE);
  });
  return { frames, counts, states };
}

/** The sequences of a packed message, as views into its arrays (the states are updated in place). */
export function unpackSequences(p: PackedSequences): VadSequence[] {
  let o = 0;
  return Array.from(p.counts, (count, i) => ({
    frames: p.frames.subarray(o, o += count * VAD_INPUT_SAMPLES),
    count,
    state: p.states.subarray(i * VAD_STATE_SIZE, (i + 1) * VAD_STATE_SIZE),
  }));
}

/** One probability per frame of every sequence, back to back. */
export function packProbabilities(probs: Float32Array[]): Float32Array {
  let total = 0;
  for (const p of probs) total += p.length;
  const out = new Float32Array(total);
  let o = 0;
  for (const p of probs) (out.set(p, o), o += p.length);
  return out;
}

/**
 * Starts a worker that loads the model and runs the sequences posted to it. When the worker
 * fails (an uncaught error, a crash, or no answer within `timeoutMs`), its in-flight requests fail
 * with {@linkcode VadWorkerError} and a new worker is started for the next ones; a worker that
 * cannot even load the model fails the start.
 */
export async function loadWorkerVad(modelPath: string, options: WorkerVadOptions = {}): Promise<WorkerVadBackend> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const pending = new Map<number, WorkerPending>();
  const stats: VadBackendStats = { steps: 0, frames: 0, computeMs: 0 };
  let nextId = 1;
  let restarts = 0;
  let closed = false;
  let worker: Worker;
  let ready: Promise<string>;

  const fail = (w: Worker, message: string) => {
    if (w !== worker) return; // an old worker's late news
    w.terminate();
    const err = new VadWorkerError(message);
    for (const p of pending.values()) (clearTimeout(p.timer), p.reject(err));
    pending.clear();
    if (!closed) {
      restarts++;
      ready = start();
      ready.catch(() => {});
    }
  };

  const start = (): Promise<string> => {
    const w = startModuleWorker(new URL("./vad_worker.ts", import.meta.url));
    worker = w;
    return new Promise<string>((resolve, reject) => {
      w.onmessage = (e: MessageEvent) => {
        const m = e.data;
        if (m.type === "ready") resolve(m.executionProvider);
        else if (m.type === "init_error") reject(new Error(m.message));
        else if (m.type === "result") {
          const p = pending.get(m.id);
          pending.delete(m.id);
          if (!p) return;
          clearTimeout(p.timer);
          if (m.error) return p.reject(new Error(m.error));
          Object.assign(stats, m.stats);
          const { probs, states } = m as { probs: Float32Array; states: Float32Array };
          let o = 0;
          p.resolve(p.seqs.map((s, i) => {
            s.state.set(states.subarray(i * VAD_STATE_SIZE, (i + 1) * VAD_STATE_SIZE));
            return probs.subarray(o, o += s.count);
          }));
        }
      };
      w.onerror = (e) => {
        e.preventDefault();
        reject(new Error(`VAD worker failed to start: ${e.message}`));
        fail(w, `VAD worker failed: ${e.message}; restarted`);
      };
      w.postMessage({ type: "init", modelPath });
    });
  };

  ready = start();
  const executionProvider = await ready;
  return {
    executionProvider: `${executionProvider} (worker)`,
    stats,
    get restarts() {
      return restarts;
    },
    get inFlight() {
      return pending.size;
    },
    async run(seqs) {
      await ready;
      const id = nextId++;
      const w = worker;
      return new Promise<Float32Array[]>((resolve, reject) => {
        const timer = setTimeout(
          () => fail(w, `VAD worker did not answer within ${timeoutMs} ms; restarted`),
          timeoutMs,
        );
        pending.set(id, { seqs, resolve, reject, timer });
        const packed = packSequences(seqs);
        w.postMessage({ type: "run", id, ...packed }, [
          packed.frames.buffer as ArrayBuffer,
          packed.counts.buffer as ArrayBuffer,
          packed.states.buffer as ArrayBuffer,
        ]);
      });
    },
    kill: () => fail(worker, "VAD worker was killed; restarted"),
    close: () => {
      closed = true;
      worker.terminate();
      for (const p of pending.values()) (clearTimeout(p.timer), p.reject(new VadWorkerError("VAD closed")));
      pending.clear();
    },
  };
}
