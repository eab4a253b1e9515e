import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { DEFAULT_MODELS_DIR } from "../engine/engine.ts";
import { DATA_DIR } from "../testing/data.ts";
import { runEval } from "./mod.ts";

const hasVoice = existsSync(`${DEFAULT_MODELS_DIR}/voice_emotion.onnx`);

Deno.test({
  name: "runEval analyses labelled real clips and writes markdown, JSON and confusion PNGs",
  ignore: !hasVoice,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const actor = `${DATA_DIR}/voice/ravdess/Actor_02`;
    const rows = [
      ["03-01-05-02-01-01-02", "angry"],
      ["03-01-04-02-01-01-02", "sad"],
      ["03-01-02-01-01-01-02", "calm"],
    ].map(([f, label], i) => JSON.stringify({ id: `c${i}`, media: `${actor}/${f}.flac`, label, speaker: "a02" }));
    rows.push(JSON.stringify({ id: "x", media: `${actor}/03-01-01-01-01-01-02.flac`, label: "boredom" }));
    await Deno.writeTextFile(`${dir}/items.jsonl`, rows.join("\n") + "\n");
    const code = await runEval({
      manifest: `${dir}/items.jsonl`,
      outDir: `${dir}/out`,
      engine: { disable: ["face", "text"] },
    });
    assert.equal(code, 0);
    const report = JSON.parse(await Deno.readTextFile(`${dir}/out/report.json`));
    assert.equal(report.labelled, 3);
    assert.deepEqual(report.unmappedLabels, { boredom: 1 });
    assert.equal(report.systems.fused.n, 3);
    assert.equal(report.systems.voice.n, 3);
    assert.equal(report.systems.face, undefined);
    const png = await Deno.readFile(`${dir}/out/confusion_voice.png`);
    assert.deepEqual([...png.subarray(1, 4)], [80, 78, 71]);
    assert.match(await Deno.readTextFile(`${dir}/out/report.md`), /!\[fused confusion\]\(confusion_fused\.png\)/);
    await Deno.remove(dir, { recursive: true });
  },
});
