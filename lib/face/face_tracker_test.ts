import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { HeadlessFace } from "./headless_face.ts";
import { parseFaceFrame } from "./face_frame.ts";
import { LANDMARK_SUBSET } from "../../static/face/landmark_subset.js";

const DATA = new URL("../../../shared/data/", import.meta.url).pathname;

/** The GRID clip as WebM (Chromium cannot play MPEG-1), made at test time outside the repo. */
async function gridWebm(): Promise<Uint8Array> {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/grid.webm`;
  const r = await new Deno.Command("ffmpeg", {
    args: [
      "-nostdin",
      "-loglevel",
      "error",
      "-i",
      `${DATA}media/grid_bbaf2n.mpg`,
      "-an",
      "-c:v",
      "libvpx",
      "-b:v",
      "1M",
      "-deadline",
      "realtime",
      out,
    ],
  }).output();
  assert.ok(r.success, new TextDecoder().decode(r.stderr));
  const bytes = await Deno.readFile(out);
  await Deno.remove(dir, { recursive: true });
  return bytes;
}

describe("face_tracker.js in Chromium (VIDEO mode, the live path)", () => {
  let hf: HeadlessFace;
  before(async () => {
    hf = await HeadlessFace.open({ modelPath: `${DATA}models/face_landmarker.task`, landmarks: "none" });
  });
  after(async () => {
    await hf?.close();
  });

  it("measures a playing <video> into valid wire frames with the landmark subset", async () => {
    const frames = await hf.evaluate(
      async ({ blobUrl }) => {
        const { createFaceTracker } = await import("/static/face/face_tracker.js" as string);
        const tracker = await createFaceTracker({
          wasmBase: "/vendor/tasks-vision/wasm",
          modulePath: "/vendor/tasks-vision/vision_bundle.mjs",
          modelUrl: "/v1/face-model/face_landmarker.task",
        });
        const bytes = await (await fetch(blobUrl!)).arrayBuffer();
        const video = (globalThis as any).document.createElement("video");
        video.muted = true;
        video.src = URL.createObjectURL(new Blob([bytes], { type: "video/webm" }));
        await new Promise((ok, fail) => (video.onloadeddata = ok, video.onerror = fail));
        const out = [];
        for (let t = 0; t < 2.9; t += 0.25) {
          video.currentTime = t;
          await new Promise((ok) => (video.onseeked = ok));
          out.push(tracker.measure(video, t * 1000));
        }
        tracker.close();
        return out;
      },
      {},
      await gridWebm(),
    );
    assert.ok(frames.length >= 11);
    const parsed = frames.map((f: unknown) => parseFaceFrame(f));
    assert.ok(parsed.every((f) => f.present), "the speaker faces the camera in every frame");
    for (const f of parsed) {
      assert.equal(f.landmarks!.length, 2 * LANDMARK_SUBSET.length);
      assert.ok(Math.abs(f.aspect! - 360 / 288) < 1e-6, `aspect ${f.aspect}`);
      assert.ok(Math.abs(f.headPose!.yaw) < 30 && Math.abs(f.headPose!.roll) < 30);
    }
  });

  it("rejects missing options", async () => {
    const message = await hf.evaluate(async () => {
      const { createFaceTracker } = await import("/static/face/face_tracker.js" as string);
      return await createFaceTracker({}).then(() => "resolved", (e: Error) => `${e.name}: ${e.message}`);
    }, {});
    assert.match(message, /TypeError: createFaceTracker needs wasmBase/);
  });
});
