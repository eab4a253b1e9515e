/**
 * Worker entry for {@linkcode loadWorkerVad}: owns one Silero session and runs the sequences
 * the server thread posts.
 */
import { loadLocalVad, packProbabilities, unpackSequences, type VadBackend, warmUp } from "./vad_backend.ts";

let backend: VadBackend | undefined;

/** The worker's global scope, typed (this module is also type-checked outside a worker). */
const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
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
      // (the states are views into m.states: the run updates them in place, and they go back as one array)
      const seqs = unpackSequences(m);
      const probs = packProbabilities(await backend!.run(seqs));
      scope.postMessage({ type: "result", id: m.id, probs, states: m.states, stats: backend!.stats }, [
        probs.buffer,
        m.states.buffer,
      ]);
    } catch (err) {
      scope.postMessage({ type: "result", id: m.id, error: (err as Error).message });
    }
  }
};
