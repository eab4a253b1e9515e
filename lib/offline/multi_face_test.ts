/** Several faces on real media: the multi-face image and a two-face composite of GRID clips. */
import assert from "node:assert/strict";
import { decodeAudio } from "../media/decode.ts";
import { SileroVad } from "../segment/silero_vad.ts";
import { trimmedSpan } from "../segment/utterance_detector.ts";
import { DATA_DIR } from "../testing/data.ts";
import { sideBySide } from "../speaker/composite.ts";
import { faceStreams, MultiFaceExtractor } from "./multi_face_extractor.ts";
import { attributeSpans } from "../speaker/speaker_timeline.ts";

const MODEL = `${DATA_DIR}/models/face_landmarker.task`;

Deno.test("every face of the multi-face image is found; the 4 largest are kept, each with its own stream", {
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const ex = await MultiFaceExtractor.open({ modelPath: MODEL, maxFaces: 8 });
  const ex4 = await MultiFaceExtractor.open({ modelPath: MODEL });
  try {
    const [all] = await ex.extract(`${DATA_DIR}/media/pyfeat_multi_face.jpg`);
    assert.equal(all.faces.length, 5, "five people in the picture");
    const [four] = await ex4.extract(`${DATA_DIR}/media/pyfeat_multi_face.jpg`);
    assert.equal(four.faces.length, 4);
    const areas = all.faces.map((f) => f.box[2] * f.box[3]).sort((a, b) => b - a);
    const kept = four.faces.map((f) => f.box[2] * f.box[3]).sort((a, b) => b - a);
    kept.forEach((a, i) => assert.ok(Math.abs(a - areas[i]) < 1e-6, "largest first"));
    assert.deepEqual(four.faces.map((f) => f.faceId).sort(), [1, 2, 3, 4]);
    for (const f of four.faces) {
      assert.ok(f.box.every((v) => v >= 0 && v <= 1) && f.box[0] + f.box[2] <= 1.0001);
      assert.equal(f.frame.blendshapes?.length, 52);
    }
    assert.equal(faceStreams([four]).size, 4);
  } finally {
    await ex.close();
    await ex4.close();
  }
});

Deno.test("on two talking faces side by side with one's audio, the utterance goes to the speaking side", {
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const dir = await Deno.makeTempDir();
  const vad = await SileroVad.load();
  const ex = await MultiFaceExtractor.open({ modelPath: MODEL });
  try {
    // One video, two audio tracks: the composite's picture is the same whichever clip's audio it
    // carries, so the faces are measured once and each clip's own audio is tried against them.
    const left = `${DATA_DIR}/media/grid_bbaf2n.mpg`, right = `${DATA_DIR}/media/grid_lrwp9a.mpg`;
    const out = `${dir}/composite.mp4`;
    await sideBySide(left, right, "left", out);
    const frames = await ex.extract(out);
    assert.equal(new Set(frames.flatMap((f) => f.faces.map((x) => x.faceId))).size, 2, "two stable face ids");
    for (const [side, clip] of [["left", left], ["right", right]] as const) {
      const pcm = await decodeAudio(clip);
      const [d] = attributeSpans(frames, pcm, [await trimmedSpan(vad, pcm)]);
      assert.ok(d);
      const centre = d.box[0] + d.box[2] / 2;
      assert.equal(centre < 0.5 ? "left" : "right", side, JSON.stringify(d.attribution));
      assert.equal(d.attribution.method, "correlation");
    }
  } finally {
    await ex.close();
    vad.close();
    await Deno.remove(dir, { recursive: true });
  }
});
