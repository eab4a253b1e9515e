/**
 * Out-of-fold accuracy of the voice model's recipe by the clip's active speech level: reads the
 * out-of-fold predictions training/fusion/voice_oof.py writes (the card's features and
 * hyper-parameters, speaker-grouped 6-fold CV, nothing scored by a model that saw its speaker)
 * and groups the clips as training/voice/quiet_voicing.ts does (active level, dBFS). Speaker
 * statistics there come from all of the held-out speaker's clips (speaker-level normalisation).
 *
 *   deno run -A training/voice/quiet_accuracy.ts [--predictions ~/.cache/affectstream/fusion/voice_val.json]
 */
import { parseArgs } from "node:util";
import { decodeAudio } from "../../lib/media/decode.ts";
import type { HeadPredictions } from "../fusion/head_predictions.ts";
import { DATA_DIR } from "../../lib/testing/data.ts";
import { activeLevelDb } from "./quiet_voicing.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { predictions: { type: "string" } },
});
const path = values.predictions ??
  `${Deno.env.get("AFFECTSTREAM_CACHE") ?? `${Deno.env.get("HOME")}/.cache/affectstream`}/fusion/voice_val.json`;
const head = JSON.parse(await Deno.readTextFile(path)) as HeadPredictions;
const bands = [
  { name: "≥ −35 dBFS", test: (db: number) => db >= -35 },
  { name: "−45 … −35 dBFS", test: (db: number) => db >= -45 && db < -35 },
  { name: "< −45 dBFS", test: (db: number) => db < -45 },
];
const counts = bands.map(() => ({ n: 0, correct: 0 }));
for (const s of head.samples) {
  const db = activeLevelDb(await decodeAudio(s.id.startsWith("/") ? s.id : `${DATA_DIR}/${s.id}`));
  const pred = s.logits.indexOf(Math.max(...s.logits));
  const b = bands.findIndex((x) => x.test(db));
  counts[b].n++;
  if (pred === s.label) counts[b].correct++;
}
console.log(`model ${head.model}, ${head.samples.length} clips, out-of-fold (${path})`);
console.log("| active level | clips | correct | accuracy |\n| --- | --- | --- | --- |");
bands.forEach((b, i) => {
  const c = counts[i];
  console.log(`| ${b.name} | ${c.n} | ${c.correct} | ${(c.correct / Math.max(1, c.n)).toFixed(3)} |`);
});
