/**
 * Voice feature extraction speed as a real-time factor on one core: streaming LLDs (pushed
 * in 20 ms chunks) plus the functionals of every clip, over real RAVDESS/EmoDB speech.
 * Reports wall time and process CPU time (user + system, the measure the shared data README
 * uses for openSMILE's 68×): on a shared machine the CPU-time factor is the one-core figure.
 * Prints a table and writes artifacts/bench/voice_features.json.
 */
import process from "node:process";
import { decodeAudio } from "../lib/media/decode.ts";
import { computeFunctionals } from "../lib/voice/functionals.ts";
import { LldExtractor } from "../lib/voice/lld_extractor.ts";
import { LLD_COUNT } from "../lib/voice/lld_names.ts";

const DATA = Deno.env.get("AFFECTSTREAM_DATA") ?? "../shared/data";
const CLIPS = [
  "voice/ravdess/Actor_01/03-01-05-02-01-01-01.flac",
  "voice/ravdess/Actor_02/03-01-03-01-02-01-02.flac",
  "voice/ravdess/Actor_07/03-01-04-02-02-02-07.flac",
  "voice/ravdess/Actor_12/03-01-06-01-01-02-12.flac",
  "voice/emodb/03a01Fa.flac",
  "voice/emodb/08b03Fe.flac",
  "voice/emodb/11b03Wb.flac",
  "voice/emodb/14a05Wa.flac",
];
const REPEATS = 5;

const audios: Float32Array[] = [];
for (const c of CLIPS) {
  try {
    audios.push(await decodeAudio(`${DATA}/${c}`));
  } catch { /* clip missing in this data copy */ }
}
const audioSec = audios.reduce((s, a) => s + a.length, 0) / 16000;

function runOnce(): { lldMs: number; funcMs: number; cpuMs: number } {
  let lldMs = 0, funcMs = 0;
  const c0 = process.cpuUsage();
  for (const a of audios) {
    const t0 = performance.now();
    const ex = new LldExtractor();
    const buf = new Float32Array(Math.floor(a.length / 160) * LLD_COUNT);
    let n = 0;
    for (let i = 0; i < a.length; i += 320) ex.push(a.subarray(i, i + 320), (l) => buf.set(l, n++ * LLD_COUNT));
    const t1 = performance.now();
    computeFunctionals(buf, n);
    lldMs += t1 - t0;
    funcMs += performance.now() - t1;
  }
  const c = process.cpuUsage(c0);
  return { lldMs, funcMs, cpuMs: (c.user + c.system) / 1000 };
}

runOnce(); // warm-up (JIT)
const runs = Array.from({ length: REPEATS }, runOnce).sort((a, b) => a.lldMs + a.funcMs - b.lldMs - b.funcMs);
const med = runs[Math.floor(REPEATS / 2)];
const totalMs = med.lldMs + med.funcMs;
const result = {
  name: "voice_features",
  clips: audios.length,
  audioSec: Number(audioSec.toFixed(2)),
  repeats: REPEATS,
  lldMs: Number(med.lldMs.toFixed(1)),
  functionalsMs: Number(med.funcMs.toFixed(1)),
  realTimeFactor: Number(((audioSec * 1000) / totalMs).toFixed(1)),
  msPerAudioSecond: Number((totalMs / audioSec).toFixed(3)),
  cpuMs: Number(med.cpuMs.toFixed(1)),
  cpuRealTimeFactor: Number(((audioSec * 1000) / med.cpuMs).toFixed(1)),
  loadAverage: Deno.loadavg()[0],
  target: "≥ 200× real time on one core",
};
console.log("voice features (eGeMAPS LLDs + functionals, one thread, median of 5)");
console.log(`| clips | audio s | LLD ms | functionals ms | wall RTF | CPU ms | CPU RTF | load avg |`);
console.log(
  `| ${result.clips} | ${result.audioSec} | ${result.lldMs} | ${result.functionalsMs} | ${result.realTimeFactor}× | ` +
    `${result.cpuMs} | ${result.cpuRealTimeFactor}× | ${result.loadAverage.toFixed(1)} |`,
);
await Deno.mkdir("artifacts/bench", { recursive: true });
await Deno.writeTextFile("artifacts/bench/voice_features.json", JSON.stringify(result, null, 1));
