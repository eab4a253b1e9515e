/**
 * The worklet's resampler, run in Deno with the three AudioWorkletGlobalScope names it uses
 * (AudioWorkletProcessor, registerProcessor, sampleRate) stubbed.
 */
import assert from "node:assert/strict";

type Processor = { port: { postMessage: (m: unknown) => void }; process: (inputs: Float32Array[][]) => boolean };
let registered: (new () => Processor) | undefined;
const g = globalThis as Record<string, unknown>;
g.AudioWorkletProcessor = class {
  port = { postMessage: (_m: unknown) => {} };
};
g.registerProcessor = (_name: string, cls: new () => Processor) => (registered = cls);
await import("./pcm_worklet.js");

/** Runs `seconds` of `signal(t)` at `rate` through a fresh processor in 128-sample quanta. */
function run(rate: number, seconds: number, signal: (t: number) => number): { out: Float32Array; frames: number[] } {
  g.sampleRate = rate;
  const p = new registered!();
  const chunks: Int16Array[] = [];
  const frames: number[] = [];
  p.port.postMessage = (m) => {
    const { pcm } = m as { pcm: ArrayBuffer };
    chunks.push(new Int16Array(pcm));
    frames.push(pcm.byteLength / 2);
  };
  const total = Math.round(rate * seconds);
  for (let i = 0; i < total; i += 128) {
    const block = new Float32Array(128);
    for (let k = 0; k < 128; k++) block[k] = signal((i + k) / rate);
    p.process([[block]]);
  }
  const out = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) for (const s of c) out[o++] = s / 32768;
  return { out, frames };
}

function rms(x: Float32Array): number {
  return Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);
}

/** Frequency from the count of upward zero crossings. */
function frequency(x: Float32Array, rate: number): number {
  let n = 0;
  for (let i = 1; i < x.length; i++) if (x[i - 1] < 0 && x[i] >= 0) n++;
  return (n * rate) / x.length;
}

for (const rate of [48000, 44100, 16000]) {
  Deno.test(`pcm_worklet turns ${rate} Hz input into 20 ms frames of 16 kHz audio at the right pitch and level`, () => {
    const { out, frames } = run(rate, 2, (t) => 0.5 * Math.sin(2 * Math.PI * 1000 * t));
    assert.ok(frames.every((n) => n === 320), "every frame holds 320 samples");
    assert.ok(Math.abs(out.length - 32000) <= 320 + 64, `${out.length} samples for 2 s`);
    const steady = out.subarray(800, out.length - 800);
    assert.ok(Math.abs(frequency(steady, 16000) - 1000) < 5, `frequency ${frequency(steady, 16000)}`);
    assert.ok(Math.abs(rms(steady) - 0.5 / Math.SQRT2) < 0.01, `rms ${rms(steady)}`);
  });
}

Deno.test("pcm_worklet removes content above 8 kHz instead of aliasing it", () => {
  for (const f of [10_000, 12_000, 15_000]) {
    const { out } = run(48000, 1, (t) => 0.5 * Math.sin(2 * Math.PI * f * t));
    const level = rms(out.subarray(800));
    assert.ok(level < 0.005, `${f} Hz leaves rms ${level}`);
  }
});
