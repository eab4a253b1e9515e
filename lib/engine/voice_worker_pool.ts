/**
 * Runs the voice stage in a worker thread: the server thread keeps a thin {@linkcode VoiceStage}
 * proxy per participant that forwards audio and requests. On a 2-core machine this leaves the
 * socket thread free for I/O while VAD and voice features use the other core.
 */
import type { AnalysisSpan, ModalityEstimate } from "../modality/estimate.ts";
import type { VoiceStage } from "./stages.ts";

/** A worker holding every participant's voice stream. */
export class VoiceWorkerPool {
  #worker: Worker;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #nextStream = 1;
  #failure?: Error;

  private constructor(worker: Worker, readonly name: string, readonly card: Record<string, unknown>) {
    this.#worker = worker;
    worker.onmessage = (e: MessageEvent) => {
      const m = e.data;
      if (m.type !== "result") return;
      const p = this.#pending.get(m.id);
      this.#pending.delete(m.id);
      if (m.error) p?.reject(new Error(m.error));
      else p?.resolve(m.value);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      this.#failure = new Error(`voice worker failed: ${e.message}`);
      for (const p of this.#pending.values()) p.reject(this.#failure);
      this.#pending.clear();
    };
  }

  /** Starts the worker and loads the voice model in it. */
  static async start(modelsDir: string): Promise<VoiceWorkerPool> {
    const worker = new Worker(new URL("./voice_worker.ts", import.meta.url), { type: "module" });
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
    return new VoiceWorkerPool(worker, ready.name, ready.card);
  }

  #request<T>(msg: Record<string, unknown>): Promise<T> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#worker.postMessage({ ...msg, id });
    });
  }

  /** A new participant's voice stage. */
  open(): VoiceStage {
    const stream = this.#nextStream++;
    this.#worker.postMessage({ type: "open", stream });
    return {
      push: (samples: Float32Array) => {
        const copy = samples.slice();
        this.#worker.postMessage({ type: "push", stream, samples: copy }, [copy.buffer]);
      },
      analyze: (span: AnalysisSpan) => this.#request<ModalityEstimate | null>({ type: "analyze", stream, span }),
      summary: (span: AnalysisSpan) => this.#request<object | null>({ type: "summary", stream, span }),
      release: () => this.#worker.postMessage({ type: "release", stream }),
    };
  }

  /** Stops the worker. */
  close(): void {
    this.#worker.terminate();
  }
}
