/**
 * The runtime's Web Worker constructor, captured when this module is first evaluated.
 * onnxruntime-web's WebAssembly glue (Emscripten) takes Deno for Node once a session is created
 * in a thread and replaces `globalThis.Worker` with Node's `worker_threads.Worker`, whose
 * messages never reach `onmessage`: a worker started after that (a restart after a crash, a
 * second voice worker) would never report ready. Everything that starts workers uses this.
 */
export const WebWorker: typeof Worker = globalThis.Worker;

/** Starts a module worker with the Web Worker constructor, whatever `globalThis.Worker` is now. */
export function startModuleWorker(url: URL): Worker {
  return new WebWorker(url, { type: "module" });
}
