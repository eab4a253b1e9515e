/**
 * The VAD worker under faults: killed mid-stream it is replaced, every frame still gets a
 * probability (those of the lost request count as silence), each stream sees one typed error,
 * and speech after the restart is detected as before.
 */
import assert from "node:assert/strict";
import { decodeAudio } from "../media/decode.ts";
import { DATA_DIR } from "../testing/data.ts";
import { SileroVad, VAD_FRAME_SAMPLES, VadStream } from "./silero_vad.ts";
import { VadWorkerError, type WorkerVadBackend } from "./vad_backend.ts";

Deno.test("a killed VAD worker is restarted; both streams continue with one typed error each", {
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const vad = await SileroVad.load({ worker: true });
  const backend = vad.backend as WorkerVadBackend;
  const clip = await decodeAudio(`${DATA_DIR}/voice/ravdess/Actor_01/03-01-05-02-01-01-01.flac`);
  try {
    const streams = [0, 1].map(() => ({
      vad: new VadStream(vad),
      probs: [] as number[],
      errors: [] as unknown[],
    }));
    const feed = (from: number, to: number) =>
      Promise.all(
        streams.map((s) => s.vad.push(clip.subarray(from, to), (p) => s.probs.push(p), (e) => s.errors.push(e))),
      );
    const half = Math.floor(clip.length / 2 / VAD_FRAME_SAMPLES) * VAD_FRAME_SAMPLES;
    await feed(0, half / 2);
    const p = feed(half / 2, half);
    // Kill it while this request is in flight, as a crash would.
    while (backend.inFlight === 0) await new Promise((r) => setTimeout(r, 0));
    backend.kill();
    await p;
    await feed(half, clip.length);
    const frames = Math.floor(clip.length / VAD_FRAME_SAMPLES);
    for (const s of streams) {
      assert.equal(s.probs.length, frames);
      assert.equal(s.errors.length, 1);
      assert.ok(s.errors[0] instanceof VadWorkerError);
      // Speech in the second half is still found by the new worker.
      assert.ok(Math.max(...s.probs.slice(half / VAD_FRAME_SAMPLES)) > 0.5);
    }
    assert.equal(backend.restarts, 1);
  } finally {
    vad.close();
  }
});
