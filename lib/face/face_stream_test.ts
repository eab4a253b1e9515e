import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { FaceModel } from "./face_model.ts";
import { FaceStream, FaceStreamError } from "./face_stream.ts";
import type { FaceFrame } from "./face_frame.ts";
import { FACE_FEATURE_DIM, faceFeatures } from "./face_features.ts";
import { softmax } from "../emotion/affect.ts";

const MODELS = new URL("../../models", import.meta.url).pathname;
/** 30 real frames (10 fps) of a GRID speaker measured by FaceExtractor. */
const GRID: FaceFrame[] = JSON.parse(
  await Deno.readTextFile(new URL("./testdata/grid_bbaf2n_frames.json", import.meta.url)),
).frames;
const span = (startMs: number, endMs: number) => ({ utteranceId: "u1", startMs, endMs, final: true });
const noFace = (timeMs: number): FaceFrame => ({ type: "face", timeMs, present: false });

describe("FaceStream", () => {
  let model: FaceModel;
  before(async () => {
    model = await FaceModel.load(MODELS);
  });
  after(async () => {
    await model?.release();
  });

  it("pools the calibrated per-frame probabilities of the span's frames", async () => {
    const s = new FaceStream(model);
    GRID.forEach((f) => s.push(f));
    const est = await s.analyze(span(0, 3000));
    assert.ok(est);
    const rows = GRID.map((f) => {
      const r = new Float32Array(FACE_FEATURE_DIM);
      assert.equal(faceFeatures(f, r), null);
      return r;
    });
    const per = (await model.logitsBatch(rows)).map((l) => softmax(l, model.temperature));
    const mean = per[0].map((_, c) => per.reduce((a, p) => a + p[c], 0) / per.length);
    est.probs.forEach((p, c) => assert.ok(Math.abs(p - mean[c]) < 1e-6));
    assert.ok(Math.abs(est.probs.reduce((a, b) => a + b, 0) - 1) < 1e-6);
    assert.equal(est.modality, "face");
    assert.equal(est.model, model.name);
    assert.ok(est.coverage > 0.95, `coverage ${est.coverage}`);
    assert.equal(est.confidence, Math.max(...est.probs));
  });

  it("counts frames without a face as missing: coverage halves, the estimate does not move toward neutral", async () => {
    const withFace = new FaceStream(model);
    const mixed = new FaceStream(model);
    for (const f of GRID.slice(0, 10)) {
      withFace.push({ ...f, timeMs: f.timeMs * 2 }); // faces every 200 ms
      mixed.push({ ...f, timeMs: f.timeMs * 2 });
      mixed.push(noFace(f.timeMs * 2 + 100)); // and no face in between
    }
    const a = (await withFace.analyze(span(0, 2000)))!;
    const b = (await mixed.analyze(span(0, 2000)))!;
    assert.deepEqual(b.probs, a.probs);
    assert.ok(Math.abs(b.coverage - a.coverage / 2) < 0.02, `coverage ${b.coverage} vs ${a.coverage}`);
  });

  it("returns null for a span without any face, and for an empty span", async () => {
    const s = new FaceStream(model);
    for (let t = 0; t < 2000; t += 100) s.push(noFace(t));
    GRID.forEach((f) => s.push({ ...f, timeMs: f.timeMs + 5000 }));
    assert.equal(await s.analyze(span(0, 2000)), null);
    assert.equal(await s.analyze(span(3000, 3000)), null);
    assert.ok(await s.analyze(span(5000, 6000)));
  });

  it("drops out-of-order frames and frames beyond 30 per second", () => {
    const s = new FaceStream(model);
    for (let i = 0; i < 40; i++) s.push(noFace(i * 10)); // 100 per second
    assert.equal(s.size, 30);
    assert.equal(s.stats.droppedRate, 10);
    s.push(noFace(5));
    assert.equal(s.stats.droppedOutOfOrder, 1);
  });

  it("keeps only the last bufferMs of frames", () => {
    const s = new FaceStream(model, { bufferMs: 2000 });
    for (let t = 0; t <= 10_000; t += 100) s.push(noFace(t));
    assert.equal(s.size, 21);
  });

  it("counts a face without landmarks as unscorable, not as a face", async () => {
    const s = new FaceStream(model);
    const { landmarks: _l, ...bare } = GRID[0];
    s.push(bare as FaceFrame);
    assert.equal(s.stats.unscorable, 1);
    assert.equal(await s.analyze(span(0, 1000)), null);
  });

  it("validates options and refuses use after release", async () => {
    assert.throws(() => new FaceStream(model, { maxRateHz: 0 }), RangeError);
    assert.throws(() => new FaceStream(model, { bufferMs: 10 }), RangeError);
    const s = new FaceStream(model);
    s.release();
    assert.throws(() => s.push(noFace(0)), FaceStreamError);
    await assert.rejects(s.analyze(span(0, 100)), FaceStreamError);
  });
});
