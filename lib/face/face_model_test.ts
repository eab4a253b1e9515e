import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FaceModel } from "./face_model.ts";
import { ModelLoadError } from "../inference/onnx_model.ts";
import { EMOTIONS } from "../emotion/labels.ts";

const MODELS = new URL("../../models", import.meta.url).pathname;
const FIXTURE = new URL("./testdata/face_parity.json", import.meta.url).pathname;

describe("FaceModel", () => {
  it("ONNX in Deno matches PyTorch logits within 1e-4 on the parity fixture", async () => {
    const fixture = JSON.parse(await Deno.readTextFile(FIXTURE));
    const model = await FaceModel.load(MODELS);
    try {
      assert.equal(model.card.name, fixture.model);
      const rows = fixture.features.map((f: number[]) => Float32Array.from(f));
      const logits = await model.logitsBatch(rows);
      assert.equal(logits.length, fixture.logits.length);
      let worst = 0;
      logits.forEach((l, i) => l.forEach((v, c) => worst = Math.max(worst, Math.abs(v - fixture.logits[i][c]))));
      assert.ok(worst <= fixture.tolerance, `max |onnx − torch| = ${worst}`);
      // the scheduler path gives the same numbers
      const one = await model.logits(rows[0]);
      assert.deepEqual(Array.from(one), Array.from(logits[0]));
    } finally {
      await model.release();
    }
  });

  it("exposes a card with our label order and a positive temperature", async () => {
    const model = await FaceModel.load(MODELS);
    try {
      assert.deepEqual(model.card.labels, [...EMOTIONS]);
      assert.ok(model.temperature > 0);
      assert.match(model.name, /^face_mlp@\d+\.\d+\.\d+$/);
    } finally {
      await model.release();
    }
  });

  it("refuses a card whose labels are in another order", async () => {
    const dir = await Deno.makeTempDir();
    try {
      const card = JSON.parse(await Deno.readTextFile(`${MODELS}/face_mlp.card.json`));
      card.labels = [...card.labels].reverse();
      await Deno.writeTextFile(`${dir}/face_mlp.card.json`, JSON.stringify(card));
      await Deno.copyFile(`${MODELS}/face_mlp.onnx`, `${dir}/face_mlp.onnx`);
      await assert.rejects(
        FaceModel.load(dir),
        (e: unknown) => e instanceof ModelLoadError && /labels/.test(e.message),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});
