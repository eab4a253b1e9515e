/**
 * The voice descriptors' real FFT: PFFFT's WebAssembly SIMD build (lib/voice/real_fft.ts) against
 * fft.js (its fallback), at the three sizes the descriptors use (512: 20 ms frames; 1,024: the
 * autocorrelation's DCT; 2,048: the 60 ms pitch frames). Rounds of each alternate, so a change in
 * the machine's speed hits both; the median round is reported, copies in and out included.
 *
 *   deno task bench fft
 */
import { RealFft } from "../lib/voice/real_fft.ts";

const SIZES = [512, 1024, 2048];
const ROUNDS = 7;
const CALLS = 20000;

function round(fft: RealFft, x: Float64Array, out: Float64Array): number {
  const t0 = performance.now();
  for (let i = 0; i < CALLS; i++) fft.transform(x, out);
  return ((performance.now() - t0) / CALLS) * 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
for (const n of SIZES) {
  const fast = new RealFft(n), slow = new RealFft(n, "fft.js");
  let seed = 5;
  const x = Float64Array.from({ length: n }, () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5);
  const out = new Float64Array(n + 2);
  round(fast, x, out), round(slow, x, out); // warm-up (JIT)
  const f: number[] = [], s: number[] = [];
  for (let r = 0; r < ROUNDS; r++) (f.push(round(fast, x, out)), s.push(round(slow, x, out)));
  rows.push({ n, engine: fast.engine, usPerTransform: +median(f).toFixed(2), fftJsUs: +median(s).toFixed(2) });
}
const perAudioSecond = (k: "usPerTransform" | "fftJsUs") => rows.reduce((a, r) => a + r[k], 0) * 100 / 1000;
const result = {
  name: "fft",
  rows,
  /** One transform of each size per 10 ms hop (a voiced frame), in ms per second of audio. */
  msPerAudioSecond: +perAudioSecond("usPerTransform").toFixed(3),
  fftJsMsPerAudioSecond: +perAudioSecond("fftJsUs").toFixed(3),
  loadAverage: Deno.loadavg()[0],
};
console.log(`real FFT, µs per transform (median of ${ROUNDS} alternating rounds of ${CALLS})`);
console.log("| n | RealFft | engine | fft.js | speed-up |");
for (const r of rows) {
  console.log(
    `| ${r.n} | ${r.usPerTransform} | ${r.engine} | ${r.fftJsUs} | ${(r.fftJsUs / r.usPerTransform).toFixed(2)}× |`,
  );
}
console.log(
  `per second of voiced audio (one of each size per hop): ${result.msPerAudioSecond} ms, fft.js ` +
    `${result.fftJsMsPerAudioSecond} ms (load average ${result.loadAverage.toFixed(1)})`,
);
await Deno.mkdir("artifacts/bench", { recursive: true });
await Deno.writeTextFile("artifacts/bench/fft.json", JSON.stringify(result, null, 1));
