import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { FaceExtractor } from "./face_extractor.ts";
import { FaceModel } from "../face/face_model.ts";
import { FaceStream } from "../face/face_stream.ts";
import { argmaxLabel } from "../emotion/labels.ts";
import type { ModalityEstimate } from "../modality/estimate.ts";

const DATA = new URL("../../../shared/data/", import.meta.url).pathname;
const MODELS = new URL("../../models", import.meta.url).pathname;

describe("face pipeline on real media (extractor → stream → model)", () => {
  let fx: FaceExtractor;
  let model: FaceModel;
  before(async () => {
    fx = await FaceExtractor.open({ modelPath: `${DATA}models/face_landmarker.task`, fps: 5 });
    model = await FaceModel.load(MODELS);
  });
  after(async () => {
    await fx?.close();
    await model?.release();
  });

  async function estimate(file: string, startMs: number, endMs: number): Promise<ModalityEstimate | null> {
    const stream = new FaceStream(model, { bufferMs: 3_600_000 });
    for (const f of await fx.extract(`${DATA}media/${file}`)) stream.push(f);
    return await stream.analyze({ utteranceId: "t", startMs, endMs, final: true });
  }

  it("reads the smiling face of pyfeat_single_face.jpg as happy", async () => {
    const e = await estimate("pyfeat_single_face.jpg", 0, 250);
    assert.ok(e);
    assert.equal(argmaxLabel(e.probs), "happy", JSON.stringify(e.probs));
    assert.ok(e.valence > 0.5);
    assert.equal(e.coverage, 1);
  });

  it("follows the Pexels clip from a distressed face (negative valence) to a broad smile (happy)", async () => {
    const distressed = await estimate("pyfeat_WolfgangLanger_Pexels.mp4", 3000, 6000);
    const smiling = await estimate("pyfeat_WolfgangLanger_Pexels.mp4", 12000, 18000);
    assert.ok(distressed && smiling);
    assert.ok(distressed.valence < 0, `valence ${distressed.valence} ${JSON.stringify(distressed.probs)}`);
    assert.equal(argmaxLabel(smiling.probs), "happy");
    assert.ok(smiling.confidence > 0.7);
  });

  it("gives no estimate for a clip without a face", async () => {
    assert.equal(await estimate("pyfeat_no_face.mp4", 0, 5000), null);
  });
});
