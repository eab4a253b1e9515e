/**
 * Rebuilds the shipped text model's card tables from the result files the scripts write
 * (training/text/results/: recipe_history.json, dev_dedup.json from dedup_text.ts) and regenerates its Markdown
 * page, without retraining. `deno run -A training/text/refresh_card.ts [--models models]`
 */
import { parseArgs } from "node:util";
import { applyTextResults, readTextResults, textCardMarkdown } from "./card.ts";

const { values } = parseArgs({ args: Deno.args, options: { models: { type: "string", default: "models" } } });
const path = `${values.models}/text_emotion.card.json`;
const card = applyTextResults(JSON.parse(await Deno.readTextFile(path)), await readTextResults());
await Deno.writeTextFile(path, JSON.stringify(card, null, 2) + "\n");
await Deno.writeTextFile(`${values.models}/text_emotion.md`, textCardMarkdown(card));
console.log(`wrote ${path} and ${values.models}/text_emotion.md`);
