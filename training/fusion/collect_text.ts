/**
 * Text head validation predictions: the shipped text_emotion model over the dev dialogues of MELD,
 * EmoryNLP and DailyDialog, each turn read with its preceding turns as context, in TypeScript
 * through onnxruntime-web as the server runs it. `label` is -1 for turns whose label is not one of
 * our classes exactly (EmoryNLP Peaceful / Powerful): they still serve the shift evaluation.
 * Caveat (docs/fusion.md): the text head's temperature was fitted on these dev splits.
 *
 *   deno run -A training/fusion/collect_text.ts [--models models] [--data ../shared/data/text]
 */
import { parseArgs } from "node:util";
import { encodeWindow } from "../../lib/text/context_window.ts";
import { readCorpus } from "../../lib/offline/corpus/mod.ts";
import { TextModel } from "../../lib/text/text_model.ts";
import { rng } from "./combinations.ts";
import { DROP_LEVELS, type HeadSample, writeHead } from "./head_predictions.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { models: { type: "string", default: "models" }, data: { type: "string", default: "../shared/data/text" } },
});
const model = await TextModel.load(values.models);
const samples: HeadSample[] = [];
const windows: ReturnType<typeof encodeWindow>[] = [];
/** [sample index, level index, window] of the word-dropped variants. */
const dropped: [number, number, ReturnType<typeof encodeWindow>][] = [];
const next = rng(11);
for (const corpus of ["meld", "emorynlp", "dailydialog"] as const) {
  for (const d of await readCorpus(corpus, values.data, "dev")) {
    d.turns.forEach((t, i) => {
      if (!t.label || model.tokenizer.encode(t.text).length === 0) return;
      windows.push(encodeWindow(model.tokenizer, d.turns.slice(0, i), t, model.contextTurns));
      const words = t.text.split(/\s+/).filter(Boolean);
      const drops: (number[] | null)[] = [];
      DROP_LEVELS.forEach((level, l) => {
        if (l === 0) return drops.push([]);
        const kept = words.filter(() => next() >= level).join(" ");
        if (model.tokenizer.encode(kept).length === 0) return drops.push(null);
        dropped.push([
          samples.length,
          l,
          encodeWindow(model.tokenizer, d.turns.slice(0, i), { ...t, text: kept }, model.contextTurns),
        ]);
        drops.push([]);
      });
      samples.push({
        id: `${d.id}/${i}`,
        label: t.label.emotions.length === 1 ? t.label.emotions[0] : -1,
        logits: [],
        group: d.id,
        coverage: 1,
        dropLogits: drops,
        dialogue: { corpus, id: d.id, turn: i, speaker: t.speaker, native: t.label.native },
      });
    });
  }
}
for (let i = 0; i < windows.length; i += 128) {
  const out = await model.run(windows.slice(i, i + 128));
  out.forEach((o, j) => samples[i + j].logits = o.logits);
}
for (let i = 0; i < dropped.length; i += 128) {
  const batch = dropped.slice(i, i + 128);
  const out = await model.run(batch.map(([, , w]) => w));
  out.forEach((o, j) => samples[batch[j][0]].dropLogits![batch[j][1]] = o.logits);
}
for (const s of samples) s.dropLogits![0] = s.logits;
const path = await writeHead({
  modality: "text",
  model: model.name,
  temperature: model.temperature,
  protocol: "MELD, EmoryNLP and DailyDialog dev dialogues with context; the text temperature was fitted on dev",
  samples,
});
console.log(`text: ${samples.length} dev predictions → ${path}`);
await model.release();
