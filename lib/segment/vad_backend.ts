/**
 * Where Silero runs: in this thread, or in a dedicated worker so inference does not hold up
 * the thread that serves sockets (the server's default; on a 2-core machine the model then
 * gets its own core). Both take a batch of frames and states and give back probabilities and
 * the new states.
 */
import { OnnxModel, ort } from "../inference/onnx_model.ts";

/** Result of one batched Silero call. */
export interface VadBatchResult {
  /** One probability per frame. */
  probs: Float32Array;
  /** New states, [2, batch, 128]. */
  state: Float32Array;
}

/** Runs batched Silero calls. */
export interface VadBackend {
  readonly executionProvider: string;
  /** `input` is [batch, 576], `state` is [2, batch, 128]. */
  run(input: Float32Array, state: Float32Array, batch: number): Promise<VadBatchResult>;
  close(): void;
}

/** Loads the model into an in-thread onnxruntime-web session. */
export async function loadLocalVad(modelPath: string): Promise<VadBackend> {
  const model = await OnnxModel.load(modelPath, { inputs: ["input", "state", "sr"], outputs: ["output", "stateN"] });
  const sr = new ort.Tensor("int64", BigInt64Array.from([16000n]), []);
  return {
    executionProvider: model.executionProvider,
    async run(input, state, batch) {
      const out = await model.run({
        input: new ort.Tensor("float32", input, [batch, input.length / batch]),
        state: new ort.Tensor("float32", state, [2, batch, 128]),
        sr,
      });
      return { probs: out.output.data as Float32Array, state: out.stateN.data as Float32Array };
    },
    close: () => void model.release(),
  };
}

/** Starts a worker that loads the model and runs batches posted to it. */
export async function loadWorkerVad(modelPath: string): Promise<VadBackend> {
  const worker = new Worker(new URL("./vad_worker.ts", import.meta.url), { type: "module" });
  const pending = new Map<number, { resolve: (r: VadBatchResult) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let failure: Error | undefined;
  const ready = new Promise<string>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent) => {
      const m = e.data;
      if (m.type === "ready") resolve(m.executionProvider);
      else if (m.type === "init_error") reject(new Error(m.message));
      else if (m.type === "result") {
        const p = pending.get(m.id);
        pending.delete(m.id);
        if (m.error) p?.reject(new Error(m.error));
        else p?.resolve({ probs: m.probs, state: m.state });
      }
    };
    worker.onerror = (e) => {
      e.preventDefault();
      failure = new Error(`VAD worker failed: ${e.message}`);
      reject(failure);
      for (const p of pending.values()) p.reject(failure);
      pending.clear();
    };
  });
  worker.postMessage({ type: "init", modelPath });
  const executionProvider = await ready;
  return {
    executionProvider: `${executionProvider} (worker)`,
    run(input, state, batch) {
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      return new Promise<VadBatchResult>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ type: "run", id, input, state, batch }, [input.buffer as ArrayBuffer, state.buffer as ArrayBuffer]);
      });
    },
    close: () => worker.terminate(),
  };
}
