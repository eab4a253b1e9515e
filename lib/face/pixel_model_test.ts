import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { FaceFrameError, parseFaceFrame } from "./face_frame.ts";
import { parsePixelCombination, PixelModel, pooledProbs } from "./pixel_model.ts";
import { FaceModel } from "./face_model.ts";
import { HeadlessFace } from "./headless_face.ts";

const MODELS = new URL("../../models", import.meta.url).pathname;
const DATA = new URL("../../../shared/data/", import.meta.url).pathname;
const FIXTURE = new URL("./testdata/pixel_parity.json", import.meta.url);
const fixture = JSON.parse(await Deno.readTextFile(FIXTURE)) as {
  tolerance: number;
  crops: number[][];
  logits: number[][];
};
const card = JSON.parse(await Deno.readTextFile(`${MODELS}/face_cnn.card.json`));

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

describe("pixel model (face_cnn)", () => {
  let model: PixelModel;
  before(async () => {
    model = await PixelModel.load(MODELS);
  });
  after(async () => {
    await model?.release();
  });

  it("ONNX in Deno matches PyTorch on the fixture crops within 1e-4", async () => {
    const logits = await model.logits(fixture.crops.map((c) => Uint8Array.from(c)));
    assert.equal(logits.length, fixture.logits.length);
    for (let i = 0; i < logits.length; i++) {
      const d = maxDiff(logits[i], fixture.logits[i]);
      assert.ok(d <= fixture.tolerance, `crop ${i}: max |Δlogit| ${d}`);
    }
  });

  it("ONNX in Chromium (static/face/pixel_model.js, onnxruntime-web wasm) matches PyTorch within 1e-4", async () => {
    const face = await HeadlessFace.open({ modelPath: `${DATA}models/face_landmarker.task` });
    try {
      const probs = await face.evaluate(
        async (a: { n: number; blobUrl?: string }) => {
          const pm = await import("/static/face/pixel_model.js" as string);
          const m = await pm.createPixelModel({
            ortModulePath: "/vendor/onnxruntime-web/ort.wasm.min.mjs",
            wasmBase: "/vendor/onnxruntime-web/",
            modelUrl: "/models/face_cnn.onnx",
          });
          const bytes = new Uint8Array(await (await fetch(a.blobUrl!)).arrayBuffer());
          const out = [];
          for (let i = 0; i < a.n; i++) out.push(await m.probs(bytes.subarray(i * 2304, (i + 1) * 2304)));
          m.close();
          return out;
        },
        { n: fixture.crops.length },
        Uint8Array.from(fixture.crops.flat()),
      );
      for (let i = 0; i < probs.length; i++) {
        const z = fixture.logits[i], mx = Math.max(...z);
        const e = z.map((v) => Math.exp(v - mx)), s = e.reduce((a, b) => a + b, 0);
        // the page rounds probabilities to 1e-6 for the wire
        const d = maxDiff(probs[i], e.map((v) => v / s));
        assert.ok(d <= fixture.tolerance, `crop ${i}: max |Δprob| ${d}`);
      }
    } finally {
      await face.close();
    }
  });
});

describe("pooling the pixel model with the blendshape model", () => {
  const c = parsePixelCombination(card, "face_cnn.card.json");

  it("follows the card's log-linear formula", () => {
    const blend = [2, 0.5, -1, 0, 0.3, -2, 1];
    const pix = [0.1, 0.6, 0.05, 0.05, 0.1, 0.05, 0.05];
    const p = pooledProbs(c, blend, pix);
    const lb = blend.map((v) => v / c.blendTemperature);
    const lse = Math.log(lb.reduce((s, v) => s + Math.exp(v), 0));
    const z = lb.map((v, k) => c.blendWeight * (v - lse) + c.pixelWeight * Math.log(pix[k]) + c.bias[k]);
    const e = z.map(Math.exp), s = e.reduce((a, b) => a + b, 0);
    assert.ok(maxDiff(p, e.map((v) => v / s)) < 1e-12);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  });

  it("FaceModel pools only frames that carry pixelProbs", async () => {
    const m = await FaceModel.load(MODELS);
    try {
      assert.equal(m.pixel?.name, `${card.name}@${card.version}`);
      const logits = [1, 0, 0, 0, 0, 0, 0];
      const alone = m.frameProbs(logits);
      const pooled = m.frameProbs(logits, [0.01, 0.94, 0.01, 0.01, 0.01, 0.01, 0.01]);
      assert.ok(pooled[1] > alone[1], "a confident pixel reading moves the estimate towards it");
      const off = await FaceModel.load(MODELS, { pixelStem: null });
      assert.deepEqual(off.frameProbs(logits, [0.01, 0.94, 0.01, 0.01, 0.01, 0.01, 0.01]), alone);
      await off.release();
    } finally {
      await m.release();
    }
  });

  it("rejects malformed pixelProbs on the wire with a recoverable FaceFrameError", () => {
    const base = { type: "face", timeMs: 0, present: true, blendshapes: new Array(52).fill(0) };
    assert.deepEqual(parseFaceFrame({ ...base, pixelProbs: [0.4, 0.6, 0, 0, 0, 0, 0] }).pixelProbs, [
      0.4,
      0.6,
      0,
      0,
      0,
      0,
      0,
    ]);
    for (const bad of [[0.5, 0.5], [0.9, 0.9, 0, 0, 0, 0, 0], [-0.1, 1.1, 0, 0, 0, 0, 0], "x"]) {
      assert.throws(() => parseFaceFrame({ ...base, pixelProbs: bad }), FaceFrameError);
    }
    assert.throws(
      () => parseFaceFrame({ type: "face", timeMs: 0, present: false, pixelProbs: [1, 0, 0, 0, 0, 0, 0] }),
      FaceFrameError,
    );
  });
});
