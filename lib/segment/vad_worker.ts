/**
 * Worker entry for {@linkcode loadWorkerVad}: owns one Silero session and runs the sequences
 * the server thread posts.
 */
import { loadLocalVad, type VadBackend, type VadSequence, warmUp } from "./vad_backend.ts";

let backend: VadBackend | undefined;

/** The worker's global scope, typed (this module is also type-checked outside a worker). */
const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = async (e: MessageEvent) => {
  const m = e.data;
  if (m.type === "init") {
    try {
      backend = await loadLocalVad(m.modelPath);
      await warmUp(backend);
      scope.postMessage({ type: "ready", executionProvider: backend.executionProvider });
    } catch (err) {
      scope.postMessage({ type: "init_error", message: (err as Error).message });
    }
  } else if (m.type === "run") {
    try {
      const seqs = m.seqs as VadSequence[];
      const probs = await backend!.run(seqs);
      scope.postMessage({ type: "result", id: m.id, probs, states: seqs.map((s) => s.state), stats: backend!.stats });
    } catch (err) {
      scope.postMessage({ type: "result", id: m.id, error: (err as Error).message });
    }
  }
};
