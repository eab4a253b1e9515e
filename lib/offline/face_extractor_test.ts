import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { FaceExtractor } from "./face_extractor.ts";
import { NUM_BLENDSHAPES, parseFaceFrame } from "../face/face_frame.ts";
import { LANDMARK_SUBSET } from "../../static/face/landmark_subset.js";
import { gunzipSync } from "node:zlib";
import { EXTRACTION_ATTEMPTS, presentationsFor } from "./fer_cache.ts";

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

  it("finds the faces of small 48×48 images as training extraction does (200 FER2013 val images, ≤ 6 % missed)", async () => {
    // The first 200 val images as a lossless 48×48 gray video (5 fps, one image per frame) and one as a PNG:
    // analysis must prepare them like training extraction (upscale + pad), which misses 8 of these 200 (4.0 %);
    // measured once in the frame as decoded (no presentation), 38 are missed (19 %).
    const n = 200;
    const raw = gunzipSync(await Deno.readFile(`${DATA}face/fer2013/val.u8.gz`)).subarray(0, n * 48 * 48);
    const dir = await Deno.makeTempDir({ prefix: "affectstream-fer-" });
    try {
      const ffmpeg = (args: string[], stdin: Uint8Array) => {
        const p = new Deno.Command("ffmpeg", { args, stdin: "piped", stdout: "null", stderr: "piped" }).spawn();
        const w = p.stdin.getWriter();
        return w.write(stdin).then(() => w.close()).then(() => p.output());
      };
      const raw48 = ["-hide_banner", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "gray", "-s", "48x48"];
      await ffmpeg([...raw48, "-framerate", "5", "-i", "pipe:0", "-c:v", "ffv1", `${dir}/val.mkv`], raw);
      await ffmpeg([...raw48, "-i", "pipe:0", "-frames:v", "1", `${dir}/val0.png`], raw.subarray(0, 48 * 48));
      const frames = await fx.extract(`${dir}/val.mkv`);
      assert.equal(frames.length, n);
      const missed = frames.filter((f) => !f.present).length;
      assert.ok(missed / n <= 0.06, `${missed}/${n} small faces missed`);
      for (const f of frames.filter((f) => f.present)) parseFaceFrame(f);
      const still = await fx.extract(`${dir}/val0.png`);
      assert.equal(still[0].present, frames[0].present);
      assert.deepEqual(still[0].blendshapes, frames[0].blendshapes); // same pixels, same preparation
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  it("presents a 48-px image exactly as training extraction did, and a large frame as it is first", () => {
    assert.deepEqual(presentationsFor(48, 48), EXTRACTION_ATTEMPTS.map((a) => ({ ...a })));
    assert.deepEqual(presentationsFor(640, 480)[0], { scale: 1, pad: 0 });
    assert.ok(presentationsFor(96, 120).every((p, i) => p.scale === EXTRACTION_ATTEMPTS[i].scale / 2));
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
