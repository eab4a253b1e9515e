/**
 * A voice worker that loads and then never answers a request: a hung worker, for the fault tests
 * of VoiceWorkerPool (lib/engine/voice_worker_pool_test.ts).
 */
const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = (e: MessageEvent) => {
  if (e.data.type === "init") scope.postMessage({ type: "ready", name: "hung_voice@0", card: {} });
  // analyze, summary, push, open, release: silence.
};
