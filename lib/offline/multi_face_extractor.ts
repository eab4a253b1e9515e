/**
 * Every face of a video or image, frame by frame, with stable ids: ffmpeg decodes frames, the
 * headless page runs MediaPipe Face Landmarker with `numFaces` (IMAGE mode, like the single-face
 * extractor), each face becomes the same wire {@linkcode FaceFrame} the live page sends (built
 * by static/face/face_tracker.js's frameFromResult) plus its normalised box, and
 * {@linkcode FaceTracker} gives each face a `faceId` that is stable across frames.
 */
import { parsePpmStream } from "./face_extractor.ts";
import type { FaceFrame } from "../face/face_frame.ts";
import { HeadlessFace } from "../face/headless_face.ts";
import { type Box, FaceTracker, type MultiFaceFrame, type TrackedFaceFrame } from "../speaker/face_tracker.ts";

/** Options for {@linkcode MultiFaceExtractor.open}. */
export interface MultiFaceExtractorOptions {
  /** Path of face_landmarker.task. Required. */
  modelPath: string;
  /**
   * Frames per second decoded; default 25: mouth movement at syllable rate (3–6 Hz) needs more
   * than the 5 fps of emotion. On held-out GRID composites attribution was 10/10 at 25 fps and 8/10
   * at 12.5 fps, which halves the cost (docs/asr.md). Range (0, 30].
   */
  fps?: number;
  /** Faces looked for per frame and tracked (largest first); default 4, range [1, 16]. */
  maxFaces?: number;
  /** Frames wider than this are downscaled; default 960 (faces in a grid are small). */
  maxWidth?: number;
  /** Chromium executable; default "/usr/bin/chromium". */
  executablePath?: string;
  /**
   * Also search a 2×2 grid of overlapping tiles, for faces too small for the detector in the whole
   * frame: "images" (default: still images only; it costs 5 detections a frame), "always", "never".
   */
  tiling?: "images" | "always" | "never";
}

export type { MultiFaceFrame, TrackedFaceFrame };

const FRAMES_PER_CALL = 16;

/** Runs in the page: measures `count` RGB images at blobUrl with a numFaces landmarker. */
// deno-lint-ignore no-explicit-any
async function measureInPage(arg: any): Promise<{ frame: FaceFrame; box: Box }[][]> {
  const g = globalThis as any;
  if (!g.__multiFace || g.__multiFace.numFaces !== arg.numFaces) {
    g.__multiFace?.landmarker.close();
    const vision = await import("/vendor/tasks-vision/vision_bundle.mjs" as string);
    const tracker = await import("/static/face/face_tracker.js" as string);
    const fileset = await vision.FilesetResolver.forVisionTasks("/vendor/tasks-vision/wasm");
    const landmarker = await vision.FaceLandmarker.createFromOptions(fileset, {
      baseOptions: { modelAssetPath: "/v1/face-model/face_landmarker.task", delegate: "CPU" },
      runningMode: "IMAGE",
      numFaces: arg.numFaces,
      minFaceDetectionConfidence: 0.5,
      outputFaceBlendshapes: true,
      outputFacialTransformationMatrixes: true,
    });
    g.__multiFace = { numFaces: arg.numFaces, landmarker, tracker };
  }
  const { landmarker, tracker } = g.__multiFace;
  const { width, height, count } = arg;
  const bytes = new Uint8Array(await (await fetch(arg.blobUrl)).arrayBuffer());
  const canvas = new OffscreenCanvas(width, height);
  const ctx: any = canvas.getContext("2d");
  const img = new ImageData(width, height);
  // Regions searched: the whole frame, then (tiling) a 2×2 grid of half-size tiles overlapping
  // by a quarter, each drawn at full size: the short-range detector misses faces under ~10% of
  // the frame width, and a tile doubles their size.
  const regions: [number, number, number, number][] = [[0, 0, width, height]];
  if (arg.tiling) {
    const tw = Math.round(width * 0.625), th = Math.round(height * 0.625);
    for (const ty of [0, height - th]) for (const tx of [0, width - tw]) regions.push([tx, ty, tw, th]);
  }
  const tile = new OffscreenCanvas(width, height);
  const tctx: any = tile.getContext("2d");
  const iouOf = (a: Box, b: Box) => {
    const ix = Math.max(0, Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]));
    const iy = Math.max(0, Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]));
    const inter = ix * iy;
    return inter / (a[2] * a[3] + b[2] * b[3] - inter);
  };
  const out: { frame: FaceFrame; box: Box }[][] = [];
  for (let k = 0; k < count; k++) {
    const src = bytes.subarray(k * width * height * 3, (k + 1) * width * height * 3);
    for (let p = 0, q = 0; p < width * height; p++, q += 3) {
      img.data[4 * p] = src[q], img.data[4 * p + 1] = src[q + 1], img.data[4 * p + 2] = src[q + 2];
      img.data[4 * p + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    const faces: { frame: FaceFrame; box: Box }[] = [];
    for (const [rx, ry, rw, rh] of regions) {
      let source: OffscreenCanvas = canvas;
      if (rw !== width || rh !== height) {
        tile.width = rw * 2 > width ? rw : rw * 2;
        tile.height = Math.round((tile.width * rh) / rw);
        tctx.drawImage(canvas, rx, ry, rw, rh, 0, 0, tile.width, tile.height);
        source = tile;
      }
      const r = landmarker.detect(source);
      (r.faceLandmarks ?? []).forEach((pts0: { x: number; y: number; z: number }[], i: number) => {
        // Landmarks back into whole-frame coordinates.
        const pts = pts0.map((p) => ({ x: (rx + p.x * rw) / width, y: (ry + p.y * rh) / height, z: p.z }));
        let x0 = 1, y0 = 1, x1 = 0, y1 = 0;
        for (const p of pts) {
          x0 = Math.min(x0, p.x), x1 = Math.max(x1, p.x), y0 = Math.min(y0, p.y), y1 = Math.max(y1, p.y);
        }
        x0 = Math.max(0, x0), y0 = Math.max(0, y0), x1 = Math.min(1, x1), y1 = Math.min(1, y1);
        const box: Box = [x0, y0, x1 - x0, y1 - y0];
        if (faces.some((f) => iouOf(f.box, box) > 0.3)) return; // found already
        const frame = tracker.frameFromResult(
          {
            faceLandmarks: [pts],
            faceBlendshapes: [r.faceBlendshapes?.[i]],
            facialTransformationMatrixes: r.facialTransformationMatrixes?.[i]
              ? [r.facialTransformationMatrixes[i]]
              : [],
          },
          arg.timesMs[k],
          width / height,
          "subset",
        );
        if (frame.present) faces.push({ frame, box });
      });
    }
    out.push(faces);
  }
  return out;
}

/** Extracts and tracks every face of media files. */
export class MultiFaceExtractor {
  readonly fps: number;
  readonly maxFaces: number;
  readonly maxWidth: number;

  private constructor(private readonly face: HeadlessFace, options: MultiFaceExtractorOptions) {
    this.fps = options.fps ?? 25;
    this.maxFaces = options.maxFaces ?? 4;
    this.maxWidth = options.maxWidth ?? 960;
    this.tiling = options.tiling ?? "images";
  }

  readonly tiling: "images" | "always" | "never";

  /** Starts headless Chromium with the face model. */
  static async open(options: MultiFaceExtractorOptions): Promise<MultiFaceExtractor> {
    const fps = options.fps ?? 25;
    if (!(fps > 0 && fps <= 30)) throw new RangeError(`fps must be in (0, 30], got ${fps}`);
    const maxFaces = options.maxFaces ?? 4;
    if (!(Number.isInteger(maxFaces) && maxFaces >= 1 && maxFaces <= 16)) {
      throw new RangeError("maxFaces must be in [1, 16]");
    }
    const face = await HeadlessFace.open({ modelPath: options.modelPath, executablePath: options.executablePath });
    return new MultiFaceExtractor(face, options);
  }

  /** Tracked faces of every decoded frame (a still image: one frame at 0). */
  async extract(mediaPath: string): Promise<MultiFaceFrame[]> {
    const image = /\.(jpe?g|png|bmp|webp|gif|tiff?)$/i.test(mediaPath);
    const scale = `scale='min(${this.maxWidth},iw)':-2`;
    const args = ["-nostdin", "-hide_banner", "-loglevel", "error", "-i", mediaPath, "-map", "0:v:0", "-an"];
    if (image) args.push("-frames:v", "1", "-vf", scale);
    else args.push("-vf", `fps=${this.fps},${scale}`);
    args.push("-f", "image2pipe", "-vcodec", "ppm", "pipe:1");
    const out = await new Deno.Command("ffmpeg", { args, stdout: "piped", stderr: "piped", stdin: "null" }).output();
    if (!out.success) {
      throw new Error(
        `ffmpeg could not decode ${mediaPath}: ${new TextDecoder().decode(out.stderr).trim().slice(-200)}`,
      );
    }
    const rgb = parsePpmStream(out.stdout);
    const tracker = new FaceTracker({ maxFaces: this.maxFaces });
    const frames: MultiFaceFrame[] = [];
    for (let start = 0; start < rgb.length; start += FRAMES_PER_CALL) {
      const batch = rgb.slice(start, start + FRAMES_PER_CALL).filter((f) =>
        f.width === rgb[0].width && f.height === rgb[0].height
      );
      const { width, height } = batch[0];
      const bytes = new Uint8Array(batch.length * width * height * 3);
      batch.forEach((f, k) => bytes.set(f.rgb, k * width * height * 3));
      const timesMs = batch.map((_, k) => (image ? 0 : ((start + k) * 1000) / this.fps));
      const measured = await this.face.evaluate(measureInPage, {
        width,
        height,
        count: batch.length,
        timesMs,
        numFaces: this.maxFaces,
        tiling: this.tiling === "always" || (this.tiling === "images" && image),
      }, bytes);
      measured.forEach((faces, k) => {
        const ids = tracker.update(timesMs[k], faces.map((f) => f.box));
        frames.push({
          timeMs: timesMs[k],
          faces: faces.map((f, i) => ({ faceId: ids[i], box: f.box, frame: f.frame })).filter((f) => f.faceId > 0),
        });
      });
    }
    return frames;
  }

  /** Closes the browser. */
  async close(): Promise<void> {
    await this.face.close();
  }
}

/**
 * Per-face streams: for each face id, one FaceFrame per decoded frame (present: false where the
 * face was not seen), so each face has its own face stream on the recording's clock.
 */
export function faceStreams(
  frames: readonly MultiFaceFrame[],
): Map<number, { frames: FaceFrame[]; boxes: (Box | null)[] }> {
  const ids = new Set(frames.flatMap((f) => f.faces.map((x) => x.faceId)));
  const out = new Map<number, { frames: FaceFrame[]; boxes: (Box | null)[] }>();
  for (const id of [...ids].sort((a, b) => a - b)) {
    const s = { frames: [] as FaceFrame[], boxes: [] as (Box | null)[] };
    for (const f of frames) {
      const hit = f.faces.find((x) => x.faceId === id);
      s.frames.push(hit ? hit.frame : { type: "face", timeMs: f.timeMs, present: false });
      s.boxes.push(hit ? hit.box : null);
    }
    out.set(id, s);
  }
  return out;
}
