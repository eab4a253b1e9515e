/**
 * The served VAD model (models/silero_vad_v5_16k.onnx, Silero v5's 16 kHz graph rewritten as
 * batched matrix products) against the model as Silero publishes it, in onnxruntime-web, on
 * real speech: same probability for every frame, same recurrent state, whatever the batch.
 */
import assert from "node:assert/strict";
import { decodeAudio } from "../media/decode.ts";
import { DATA_DIR, every, listClips } from "../testing/data.ts";
import { loadLocalVad, VAD_INPUT_SAMPLES, type VadSequence } from "./vad_backend.ts";
import { defaultVadModelPath, sourceVadModelPath, VAD_CONTEXT_SAMPLES, VAD_FRAME_SAMPLES } from "./silero_vad.ts";

/** A clip cut into model inputs as the live VAD cuts it (64 samples of context, then 512 new). */
function framesOf(x: Float32Array): { frames: Float32Array; count: number } {
  const count = Math.floor(x.length / VAD_FRAME_SAMPLES);
  const frames = new Float32Array(count * VAD_INPUT_SAMPLES);
  for (let k = 0; k < count; k++) {
    const at = k * VAD_FRAME_SAMPLES;
    if (k > 0) frames.set(x.subarray(at - VAD_CONTEXT_SAMPLES, at), k * VAD_INPUT_SAMPLES);
    frames.set(x.subarray(at, at + VAD_FRAME_SAMPLES), k * VAD_INPUT_SAMPLES + VAD_CONTEXT_SAMPLES);
  }
  return { frames, count };
}

const withState = (s: { frames: Float32Array; count: number }): VadSequence => ({
  ...s,
  state: new Float32Array(256),
});

Deno.test("batched Silero graph: same probabilities and states as the published model on real speech", async () => {
  const clips = [
    ...every(listClips("voice/ravdess/Actor_05"), 12, 5),
    ...every(listClips("voice/emodb"), 40, 5),
    `${DATA_DIR}/media/grid_bbaf2n.mpg`,
  ];
  const inputs = await Promise.all(clips.map(async (c) => framesOf(await decodeAudio(c))));
  const source = await loadLocalVad(sourceVadModelPath());
  const served = await loadLocalVad(defaultVadModelPath());
  try {
    // Every clip at once: streams of different lengths share each batched step.
    const a = inputs.map(withState), b = inputs.map(withState);
    const pa = await source.run(a), pb = await served.run(b);
    let frames = 0, speech = 0, maxDiff = 0, maxStateDiff = 0;
    pa.forEach((p, i) =>
      p.forEach((v, k) => {
        frames++;
        if (v > 0.5) speech++;
        maxDiff = Math.max(maxDiff, Math.abs(v - pb[i][k]));
        assert.equal(v > 0.5, pb[i][k] > 0.5, `${clips[i]} frame ${k}: ${v} vs ${pb[i][k]}`);
      })
    );
    a.forEach((s, i) => s.state.forEach((v, k) => maxStateDiff = Math.max(maxStateDiff, Math.abs(v - b[i].state[k]))));
    assert.ok(frames > 900 && speech > 0.2 * frames && speech < 0.9 * frames, `${speech} of ${frames} frames speech`);
    assert.ok(maxDiff < 1e-4, `largest probability difference ${maxDiff}`);
    assert.ok(maxStateDiff < 1e-3, `largest state difference ${maxStateDiff}`);
    // One stream alone gives what it gave inside the batch: rows never mix.
    const alone = withState(inputs[1]);
    const [p1] = await served.run([alone]);
    p1.forEach((v, k) => assert.ok(Math.abs(v - pb[1][k]) < 1e-5, `frame ${k}: alone ${v}, batched ${pb[1][k]}`));
  } finally {
    source.close();
    served.close();
  }
});
