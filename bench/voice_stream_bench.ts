/**
 * What one live participant costs the voice worker: LLD extraction of streamed audio (20 ms
 * chunks, warm: the clip is pushed five times first), one analysis (functionals, speaker
 * normalisation, the voice model) of a 3.6 s span as a partial or final estimate asks for it, and
 * the acoustic summary of `utterance.end`. One thread, real RAVDESS speech.
 *
 *   deno task bench voice_stream
 */
import { DEFAULT_MODELS_DIR } from "../lib/engine/engine.ts";
import { decodeAudio } from "../lib/media/decode.ts";
import { DATA_DIR } from "../lib/testing/data.ts";
import { VoiceModel, VoiceStream } from "../lib/voice/mod.ts";

const model = await VoiceModel.load(DEFAULT_MODELS_DIR);
const x = await decodeAudio(`${DATA_DIR}/voice/ravdess/Actor_01/03-01-05-02-01-01-01.flac`);
const s = new VoiceStream(model);
const pushAll = () => {
  for (let o = 0; o + 320 <= x.length; o += 320) s.push(x.subarray(o, o + 320));
};
for (let r = 0; r < 5; r++) pushAll();
const ROUNDS = 10;
let t = performance.now();
for (let r = 0; r < ROUNDS; r++) pushAll();
const clipMs = Math.floor(x.length / 320) * 20;
const pushMsPerAudioSecond = (performance.now() - t) / ROUNDS / clipMs * 1000;
const end = clipMs * (5 + ROUNDS); // media time pushed so far (whole 20 ms chunks)
const span = { utteranceId: "u", startMs: end - clipMs + 500, endMs: end, final: false };
for (let i = 0; i < 20; i++) await s.analyze(span);
const N = 100;
t = performance.now();
for (let i = 0; i < N; i++) await s.analyze({ ...span, utteranceId: `a${i}` });
const analyzeMs = (performance.now() - t) / N;
t = performance.now();
for (let i = 0; i < N; i++) s.summary(span);
const summaryMs = (performance.now() - t) / N;
const result = {
  pushMsPerAudioSecond: Math.round(pushMsPerAudioSecond * 100) / 100,
  analyzeMs: Math.round(analyzeMs * 100) / 100,
  summaryMs: Math.round(summaryMs * 100) / 100,
  spanMs: span.endMs - span.startMs,
  date: new Date().toISOString(),
};
console.log(JSON.stringify(result));
await Deno.mkdir("artifacts/bench", { recursive: true });
await Deno.writeTextFile("artifacts/bench/voice_stream.json", JSON.stringify(result, null, 2));
