/**
 * `deno task train:text`: tokenises the text corpora with the project's TypeScript tokenizer into a cache
 * outside the repository, trains the model with PyTorch (training/text/train.py, one thread, progress bar
 * on stderr), exports ONNX, validates the exported model through onnxruntime-web next to the lexicon
 * baseline, and writes the model card.
 *
 *   deno task train:text [--data ../shared/data/text] [--cache ~/.cache/affectstream/text] [--models models]
 *                        [--epochs 6] [--time-budget-s 1500] [--seed 13] [--members 1] [--python /usr/bin/python3]
 *                        [--skip-training]   (reuse the cache's report and the exported ONNX; rebuild the card)
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { buildTextDataset } from "./dataset.ts";
import { buildTextCard, readTextResults, textCardMarkdown } from "./card.ts";
import { evaluateText, PUBLISHED_REFERENCES } from "./evaluate.ts";
import { TextModel } from "../../lib/text/text_model.ts";

const MODEL_NAME = "text_emotion";
const MODEL_VERSION = 2;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    data: { type: "string", default: "../shared/data/text" },
    cache: { type: "string", default: `${Deno.env.get("HOME") ?? "."}/.cache/affectstream/text` },
    models: { type: "string", default: "models" },
    epochs: { type: "string", default: "6" },
    "time-budget-s": { type: "string", default: "1500" },
    seed: { type: "string", default: "13" },
    members: { type: "string", default: "1" },
    python: { type: "string", default: "/usr/bin/python3" },
    "skip-training": { type: "boolean", default: false },
  },
});
const cache = values.cache!, models = values.models!;
const started = performance.now();
await Deno.mkdir(cache, { recursive: true });
await Deno.mkdir(models, { recursive: true });

console.log(`tokenising ${values.data} → ${cache}/dataset.json`);
const dataset = await buildTextDataset({ dataDir: values.data });
await Deno.writeTextFile(`${cache}/dataset.json`, JSON.stringify(dataset.json));
await Deno.writeTextFile(`${models}/${MODEL_NAME}.vocab.txt`, dataset.tokenizer.serialize());
console.log(`vocabulary ${dataset.tokenizer.size} ids; labelled turns`, dataset.counts);

const reportPath = `${cache}/report.json`;
if (!values["skip-training"]) {
  const script = fileURLToPath(new URL("./train.py", import.meta.url));
  const args = [
    script,
    "--dataset",
    `${cache}/dataset.json`,
    "--out-dir",
    models,
    "--name",
    MODEL_NAME,
    "--report",
    reportPath,
    "--fixture",
    fileURLToPath(new URL("../../lib/text/testdata/text_parity.json", import.meta.url)),
    "--epochs",
    values.epochs!,
    "--time-budget-s",
    values["time-budget-s"]!,
    "--seed",
    values.seed!,
    "--members",
    values.members!,
    "--threads",
    "1",
  ];
  const status = await new Deno.Command(values.python!, {
    args,
    stdout: "inherit",
    stderr: "inherit",
    env: { OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1" },
  }).spawn().status;
  if (!status.success) {
    console.error(`${values.python} ${args.join(" ")} failed with code ${status.code}`);
    Deno.exit(1);
  }
}

const report = JSON.parse(await Deno.readTextFile(reportPath));
const cardInputs = {
  version: MODEL_VERSION,
  vocabSize: dataset.tokenizer.size,
  maxTokens: dataset.tokenizer.maxTokens,
  contextTurns: dataset.json.contextTurns as number,
  counts: dataset.counts,
  report,
  references: PUBLISHED_REFERENCES,
  command: "deno task train:text",
  results: await readTextResults(),
};
const cardPath = `${models}/${MODEL_NAME}.card.json`;
// The model reads its temperatures from the card, so a card without metrics comes first.
await Deno.writeTextFile(cardPath, JSON.stringify(buildTextCard(cardInputs), null, 1));
console.log("validating the exported ONNX model on the dev splits (and the lexicon baseline)");
const model = await TextModel.load(models);
const validation = await evaluateText(model, values.data!);
await model.release();
const card = buildTextCard({ ...cardInputs, validation });
await Deno.writeTextFile(cardPath, JSON.stringify(card, null, 1) + "\n");
await Deno.writeTextFile(`${models}/${MODEL_NAME}.md`, textCardMarkdown(card));
// Generated JSON and Markdown follow the repository's formatting, so `deno fmt --check` stays clean.
const generated = [cardPath, `${models}/${MODEL_NAME}.md`];
const fixturePath = fileURLToPath(new URL("../../lib/text/testdata/text_parity.json", import.meta.url));
if (!values["skip-training"]) generated.push(fixturePath);
await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", ...generated], stdout: "null", stderr: "inherit" })
  .output();
console.table(Object.fromEntries(
  Object.keys(validation.model).map((k) => [k, {
    model: +validation.model[k].toFixed(4),
    lexicon: +validation.lexicon[k].toFixed(4),
  }]),
));
console.log(`wrote ${cardPath}, ${models}/${MODEL_NAME}.md in ${((performance.now() - started) / 1000).toFixed(0)} s`);
