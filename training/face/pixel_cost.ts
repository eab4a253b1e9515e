/**
 * `deno run -A training/face/pixel_cost.ts [--data ../shared/data] [--clip grid_bbaf2n.mpg] [--repeat 3]`
 *
 * The browser's cost per frame of the pixel model, in headless Chromium (onnxruntime-web wasm, one thread): the
 * aligned crop (static/face/pixel_crop.js) plus one CNN run (static/face/pixel_model.js), next to the MediaPipe
 * measurement of the same frames, for a clip's frames at 15 fps and at 640×480. Prints medians per frame in ms.
 */
import { parseArgs } from "node:util";
import { parsePpmStream } from "../../lib/offline/face_extractor.ts";
import { HeadlessFace } from "../../lib/face/headless_face.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    data: { type: "string", default: "../shared/data" },
    clip: { type: "string", default: "grid_bbaf2n.mpg" },
    repeat: { type: "string", default: "3" },
  },
});
const args = ["-loglevel", "error", "-i", `${values.data}/media/${values.clip}`, "-an", "-vf", "fps=15,scale=640:480"];
const frames = parsePpmStream(
  (await new Deno.Command("ffmpeg", { args: [...args, "-f", "image2pipe", "-vcodec", "ppm", "-"], stdout: "piped" })
    .output()).stdout,
);
const { width, height } = frames[0];
const bytes = new Uint8Array(frames.length * width * height * 3);
frames.forEach((f, i) => bytes.set(f.rgb, i * width * height * 3));
const face = await HeadlessFace.open({
  modelPath: `${values.data}/models/face_landmarker.task`,
  pipeline: "prepared",
  pixelModel: "face_cnn.onnx",
});
const perFrame: { total: number; pixel: number }[] = [];
for (let r = 0; r < Number(values.repeat); r++) {
  const m = await face.measure({ bytes, width, height, channels: 3, count: frames.length });
  const scored = m.frames.filter((f) => f.pixelProbs).length;
  perFrame.push({ total: m.ms / frames.length, pixel: m.pixelMs! / Math.max(1, scored) });
  console.log(`run ${r + 1}: ${scored}/${frames.length} frames scored`);
}
await face.close();
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(JSON.stringify({
  clip: values.clip,
  frameSize: `${width}x${height}`,
  frames: frames.length,
  msPerFrameAll: +median(perFrame.map((p) => p.total)).toFixed(2),
  msPerFramePixelCropAndModel: +median(perFrame.map((p) => p.pixel)).toFixed(2),
}));
