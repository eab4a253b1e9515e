/**
 * Text stage latency on one core (onnxruntime-web WASM, one thread): Conversation.estimate per utterance
 * with a full context window of real MELD dev turns (tokenising included), and TextModel.run at several
 * batch sizes. Target (issue 4): ≤ 5 ms per utterance with context. Prints a table and writes
 * artifacts/bench/text_latency.json.
 * Run: `npx deno run -A bench/text_latency_bench.ts` (needs models/text_emotion.*, ../shared/data/text).
 */
import { Conversation } from "../lib/text/conversation.ts";
import { encodeWindow } from "../lib/text/context_window.ts";
import { readMeld } from "../lib/offline/corpus/meld.ts";
import { TextModel } from "../lib/text/text_model.ts";

const MODELS = new URL("../models", import.meta.url).pathname;
const DATA = new URL("../../shared/data/text", import.meta.url).pathname;
const TARGET_MS = 5;

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

const dialogues = (await readMeld(DATA, "dev")).filter((d) => d.turns.length > 6);
const turns = dialogues.flatMap((d) => d.turns.map((t) => ({ speaker: t.speaker, text: t.text })));
// Scheduler wait 0: one caller at a time measures the model, not the batching delay.
const model = await TextModel.load(MODELS, { scheduler: { maxWaitMs: 0 } });
const conv = new Conversation(model);
for (let i = 0; i < 4; i++) conv.commit(turns[i]);
for (let i = 0; i < 20; i++) await conv.estimate(turns[i]); // warm-up

// Conversation.estimate: tokenising, window, the shared scheduler's timer wait, ONNX run, calibration.
// Direct: tokenising, window and ONNX run without the scheduler (the compute an utterance costs).
const perUtterance: number[] = [];
const direct: number[] = [];
for (let i = 4; i < Math.min(turns.length, 504); i++) {
  let t0 = performance.now();
  await conv.estimate(turns[i]);
  perUtterance.push(performance.now() - t0);
  t0 = performance.now();
  await model.run([encodeWindow(model.tokenizer, turns.slice(i - 4, i), turns[i], model.contextTurns)]);
  direct.push(performance.now() - t0);
  conv.commit(turns[i]);
}

const results: Record<string, number> = {
  "utterances timed": perUtterance.length,
  "context turns": model.contextTurns,
  "estimate median ms": quantile(perUtterance, 0.5),
  "estimate p95 ms": quantile(perUtterance, 0.95),
  "estimate max ms": Math.max(...perUtterance),
  "direct (no scheduler) median ms": quantile(direct, 0.5),
  "direct (no scheduler) p95 ms": quantile(direct, 0.95),
  "1-min load average": Deno.loadavg()[0],
};
const windows = turns.slice(4, 4 + 128).map((t, i) =>
  encodeWindow(model.tokenizer, turns.slice(i, i + 4), t, model.contextTurns)
);
for (const n of [1, 8, 32, 128]) {
  const batch = windows.slice(0, n);
  await model.run(batch);
  const ts: number[] = [];
  for (let r = 0; r < 15; r++) {
    const t0 = performance.now();
    await model.run(batch);
    ts.push(performance.now() - t0);
  }
  results[`run batch ${n} ms`] = quantile(ts, 0.5);
  results[`run batch ${n} ms/utterance`] = quantile(ts, 0.5) / n;
}
await model.release();

console.log(`text_emotion latency (${model.name}), one WASM thread; target ≤ ${TARGET_MS} ms per utterance`);
console.table(Object.fromEntries(Object.entries(results).map(([k, v]) => [k, +v.toFixed(3)])));
// The target is the compute per utterance; the scheduler path adds its batching wait (a setTimeout, which
// alone took 2–5 ms on this shared 2-core machine under load), reported above but not part of the criterion.
const pass = results["direct (no scheduler) median ms"] <= TARGET_MS;
console.log(
  pass ? "PASS" : "FAIL",
  `direct median ${results["direct (no scheduler) median ms"].toFixed(2)} ms, ` +
    `through the scheduler ${results["estimate median ms"].toFixed(2)} ms`,
);
await Deno.mkdir(new URL("../artifacts/bench", import.meta.url), { recursive: true });
await Deno.writeTextFile(
  new URL("../artifacts/bench/text_latency.json", import.meta.url),
  JSON.stringify(
    {
      name: "text_latency",
      model: model.name,
      targetMs: TARGET_MS,
      pass,
      cores: navigator.hardwareConcurrency,
      results,
    },
    null,
    1,
  ),
);
