/**
 * Sequences travel to the VAD worker packed into three flat arrays; the worker's probabilities
 * and states must equal an in-thread run of the same sequences.
 */
import assert from "node:assert/strict";
import { decodeAudio } from "../media/decode.ts";
import { DATA_DIR } from "../testing/data.ts";
import { defaultVadModelPath } from "./silero_vad.ts";
import {
  loadLocalVad,
  loadWorkerVad,
  packProbabilities,
  packSequences,
  unpackSequences,
  VAD_INPUT_SAMPLES,
  VAD_STATE_SIZE,
  type VadSequence,
} from "./vad_backend.ts";

function sequences(clip: Float32Array, counts: number[]): VadSequence[] {
  let at = 0;
  return counts.map((count, i) => {
    const frames = clip.slice(at, at + count * VAD_INPUT_SAMPLES);
    at += count * VAD_INPUT_SAMPLES;
    return { frames, count, state: new Float32Array(VAD_STATE_SIZE).fill(i === 1 ? 0.1 : 0) };
  });
}

Deno.test("packed VAD sequences unpack to the same frames, counts and states", () => {
  const clip = Float32Array.from({ length: 6 * VAD_INPUT_SAMPLES }, (_, i) => Math.sin(i / 9));
  const seqs = sequences(clip, [1, 3, 2]);
  const packed = packSequences(seqs);
  const back = unpackSequences(packed);
  assert.deepEqual(back.map((s) => s.count), [1, 3, 2]);
  back.forEach((s, i) => {
    assert.deepEqual(s.frames, seqs[i].frames);
    assert.deepEqual(s.state, seqs[i].state);
  });
  // the states are views: a run updates the packed array in place
  back[2].state[0] = 7;
  assert.equal(packed.states[2 * VAD_STATE_SIZE], 7);
  assert.equal(packProbabilities([new Float32Array([1]), new Float32Array([2, 3])]).join(), "1,2,3");
  assert.throws(() => packSequences([{ frames: clip, count: 1, state: new Float32Array(3) }]), RangeError);
});

Deno.test("the VAD worker gives the in-thread probabilities and states for packed sequences", async () => {
  const clip = await decodeAudio(`${DATA_DIR}/voice/ravdess/Actor_02/03-01-03-01-02-01-02.flac`);
  const local = await loadLocalVad(defaultVadModelPath());
  const worker = await loadWorkerVad(defaultVadModelPath());
  try {
    const a = sequences(clip, [5, 9, 1, 7]), b = sequences(clip, [5, 9, 1, 7]);
    const want = await local.run(a), got = await worker.run(b);
    assert.equal(got.length, want.length);
    got.forEach((p, i) => {
      assert.equal(p.length, a[i].count);
      assert.deepEqual([...p], [...want[i]]);
      assert.deepEqual(b[i].state, a[i].state);
    });
    assert.ok(a.some((s) => s.state.some((v) => v !== 0 && v !== 0.1)), "the run moved the states");
  } finally {
    worker.close();
  }
});
