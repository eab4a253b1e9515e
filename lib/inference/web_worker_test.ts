/**
 * Workers started after an onnxruntime session exists in this thread still work: onnxruntime-web
 * replaces globalThis.Worker with Node's worker_threads Worker once a session is created, and a
 * worker built from that never delivered its messages (a restarted VAD or voice worker then never
 * became ready). Fails without lib/inference/web_worker.ts.
 */
import assert from "node:assert/strict";
import { DEFAULT_MODELS_DIR } from "../engine/engine.ts";
import { VoiceWorkerPool } from "../engine/voice_worker_pool.ts";
import { defaultVadModelPath } from "../segment/silero_vad.ts";
import { loadWorkerVad, VAD_INPUT_SAMPLES } from "../segment/vad_backend.ts";
import { VoiceModel } from "../voice/mod.ts";

Deno.test("VAD and voice workers start and restart after a session exists in this thread", {
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  await VoiceModel.load(DEFAULT_MODELS_DIR); // an in-thread session, as the server's face and text models
  const timeout = <T>(p: Promise<T>, what: string) =>
    Promise.race([p, new Promise<never>((_, j) => setTimeout(() => j(new Error(`${what} never answered`)), 20_000))]);
  const vad = await timeout(loadWorkerVad(defaultVadModelPath()), "VAD worker start");
  const pool = await timeout(VoiceWorkerPool.start(DEFAULT_MODELS_DIR, { timeoutMs: 20_000 }), "voice worker start");
  try {
    const seq = () => [{ frames: new Float32Array(VAD_INPUT_SAMPLES), count: 1, state: new Float32Array(256) }];
    assert.equal((await timeout(vad.run(seq()), "VAD run")).length, 1);
    vad.kill();
    assert.equal((await timeout(vad.run(seq()), "VAD run after restart")).length, 1);
    assert.equal(vad.restarts, 1);
    const stage = pool.open();
    stage.push(new Float32Array(16000));
    assert.ok(
      await timeout(stage.summary({ utteranceId: "u", startMs: 0, endMs: 1000, final: true }), "voice summary"),
    );
  } finally {
    vad.close();
    pool.close();
  }
});
