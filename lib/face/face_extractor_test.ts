import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { FaceExtractor } from "./face_extractor.ts";
import { NUM_BLENDSHAPES, parseFaceFrame } from "./face_frame.ts";
import { LANDMARK_SUBSET } from "../../static/face/landmark_subset.js";

const DATA = new URL("../../../shared/data/", import.meta.url).pathname;
const MODEL = `${DATA}models/face_landmarker.task`;

describe("FaceExtractor (headless Chromium + MediaPipe)", () => {
  let fx: FaceExtractor;
  before(async () => {
    fx = await FaceExtractor.open({ modelPath: MODEL, fps: 5 });
  });
  after(async () => {
    await fx?.close();
  });

  it("finds the face in a still image as one valid frame at time 0", async () => {
    const frames = await fx.extract(`${DATA}media/pyfeat_single_face.jpg`);
    assert.equal(frames.length, 1);
    const f = parseFaceFrame(frames[0]);
    assert.equal(f.present, true);
    assert.equal(f.timeMs, 0);
    assert.equal(f.blendshapes!.length, NUM_BLENDSHAPES);
    assert.equal(f.landmarks!.length, 2 * LANDMARK_SUBSET.length);
    assert.ok(Math.abs(f.headPose!.yaw) < 45 && Math.abs(f.headPose!.pitch) < 45, JSON.stringify(f.headPose));
  });

  it("reports no face, not a neutral face, for a video without people", async () => {
    const frames = await fx.extract(`${DATA}media/pyfeat_no_face.mp4`);
    assert.ok(frames.length >= 5, `only ${frames.length} frames`);
    const present = frames.filter((f) => f.present).length;
    assert.ok(present / frames.length < 0.1, `${present}/${frames.length} frames claim a face`);
    for (const f of frames.filter((f) => !f.present)) assert.equal(f.blendshapes, undefined);
  });

  it("tracks a talking face in a GRID clip at the requested rate", async () => {
    const frames = await fx.extract(`${DATA}media/grid_bbaf2n.mpg`);
    // 3 s at 5 fps
    assert.ok(frames.length >= 14 && frames.length <= 16, `${frames.length} frames`);
    assert.deepEqual(frames.slice(0, 3).map((f) => f.timeMs), [0, 200, 400]);
    assert.ok(frames.filter((f) => f.present).length >= frames.length - 1);
    // the speaker's jaw moves while talking
    const jaw = frames.filter((f) => f.present).map((f) => f.blendshapes![25]);
    assert.ok(Math.max(...jaw) - Math.min(...jaw) > 0.05, `jawOpen range ${Math.min(...jaw)}..${Math.max(...jaw)}`);
  });
});
