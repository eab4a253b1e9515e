import assert from "node:assert/strict";
import { decodePcm } from "./pcm_decoder.ts";
import { MisalignedAudioError } from "./errors.ts";

Deno.test("decodePcm scales 16-bit PCM to [-1, 1] and averages stereo", () => {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setInt16(0, 16384, true);
  v.setInt16(2, -16384, true);
  v.setInt16(4, 32767, true);
  v.setInt16(6, 32767, true);
  const out = decodePcm(b, { sampleRate: 16000, encoding: "pcm_s16le", channels: 2 });
  assert.equal(out.length, 2);
  assert.equal(out[0], 0);
  assert.ok(Math.abs(out[1] - 32767 / 32768) < 1e-6);
});

Deno.test("decodePcm replaces non-finite floats with 0 and clips to [-1, 1]", () => {
  const f = new Float32Array([0.5, NaN, Infinity, -3]);
  const out = decodePcm(new Uint8Array(f.buffer), { sampleRate: 16000, encoding: "f32le", channels: 1 });
  assert.deepEqual([...out], [0.5, 0, 0, -1]);
});

Deno.test("decodePcm refuses a message that is not whole sample frames", () => {
  assert.throws(
    () => decodePcm(new Uint8Array(6), { sampleRate: 16000, encoding: "f32le", channels: 1 }),
    (e: unknown) => e instanceof MisalignedAudioError && e.recoverable,
  );
});

Deno.test("decodePcm reads mono 16-bit PCM the same at any byte offset", () => {
  const samples = [0, 1, -1, 12345, -32768, 32767, 7];
  const backing = new Uint8Array(2 * samples.length + 1);
  for (const offset of [0, 1]) {
    const b = backing.subarray(offset, offset + 2 * samples.length);
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    samples.forEach((s, i) => v.setInt16(2 * i, s, true));
    const out = decodePcm(b, { sampleRate: 16000, encoding: "pcm_s16le", channels: 1 });
    assert.deepEqual([...out], samples.map((s) => Math.fround(s / 32768)), `offset ${offset}`);
  }
});
