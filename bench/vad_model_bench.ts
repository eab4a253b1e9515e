/**
 * Silero per batched call, in onnxruntime-web's WebAssembly backend on one thread: the model as
 * Silero publishes it against the served rewrite (models/silero_vad_v5_16k.onnx, same weights as
 * batched matrix products; models/silero_vad.md). Rounds alternate between the two models so a
 * drift in the machine's speed colours both alike; the median round is reported. The live VAD
 * worker batches every stream with a frame waiting (about 35–40 per call at 128 participants).
 * Writes artifacts/bench/vad_model.json.
 *
 *   deno task bench vad_model
 */
import { loadLocalVad, VAD_INPUT_SAMPLES, type VadBackend, warmUp } from "../lib/segment/vad_backend.ts";
import { defaultVadModelPath, sourceVadModelPath } from "../lib/segment/silero_vad.ts";

const BATCHES = [1, 4, 16, 36, 64];
const ROUNDS = 5;
const FRAMES_PER_ROUND = 1500;

let seed = 7;
const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.2;

async function msPerCall(backend: VadBackend, batch: number): Promise<number> {
  const seqs = Array.from({ length: batch }, () => ({
    frames: Float32Array.from({ length: VAD_INPUT_SAMPLES }, noise),
    count: 1,
    state: new Float32Array(256),
  }));
  const calls = Math.ceil(FRAMES_PER_ROUND / batch);
  const t = performance.now();
  for (let i = 0; i < calls; i++) await backend.run(seqs);
  return (performance.now() - t) / calls;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const models = { published: sourceVadModelPath(), served: defaultVadModelPath() };
const backends: Record<string, VadBackend> = {};
for (const [name, path] of Object.entries(models)) {
  backends[name] = await loadLocalVad(path);
  await warmUp(backends[name]);
}
const rows = [];
console.log("batch | published ms/call | served ms/call | served µs/frame | speed-up");
for (const batch of BATCHES) {
  const times: Record<string, number[]> = { published: [], served: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of Object.keys(models)) times[name].push(await msPerCall(backends[name], batch));
  }
  const published = median(times.published), served = median(times.served);
  rows.push({ batch, publishedMsPerCall: published, servedMsPerCall: served, speedup: published / served });
  console.log(
    `${String(batch).padStart(5)} | ${published.toFixed(3).padStart(17)} | ${served.toFixed(3).padStart(14)} | ` +
      `${(served / batch * 1000).toFixed(1).padStart(15)} | ${(published / served).toFixed(2)}×`,
  );
}
for (const b of Object.values(backends)) b.close();
await Deno.mkdir("artifacts/bench", { recursive: true });
await Deno.writeTextFile(
  "artifacts/bench/vad_model.json",
  JSON.stringify({ measuredAt: new Date().toISOString(), rows }, null, 1),
);
