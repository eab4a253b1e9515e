/**
 * Worker entry for {@linkcode loadWorkerVad}: owns one Silero session and runs the batches the
 * server thread posts, transferring buffers both ways.
 */
/// <reference lib="deno.worker" />
import { loadLocalVad, type VadBackend } from "./vad_backend.ts";

let backend: VadBackend | undefined;

globalThis.onmessage = async (e: MessageEvent) => {
  const m = e.data;
  if (m.type === "init") {
    try {
      backend = await loadLocalVad(m.modelPath);
      globalThis.postMessage({ type: "ready", executionProvider: backend.executionProvider });
    } catch (err) {
      globalThis.postMessage({ type: "init_error", message: (err as Error).message });
    }
  } else if (m.type === "run") {
    try {
      const r = await backend!.run(m.input, m.state, m.batch);
      const probs = r.probs.slice(), state = r.state.slice();
      globalThis.postMessage({ type: "result", id: m.id, probs, state }, [probs.buffer as ArrayBuffer, state.buffer as ArrayBuffer]);
    } catch (err) {
      globalThis.postMessage({ type: "result", id: m.id, error: (err as Error).message });
    }
  }
};
