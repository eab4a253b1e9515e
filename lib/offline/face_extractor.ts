/**
 * Offline face measurement of video and image files for `analyze`: ffmpeg decodes frames at
 * a fixed rate, headless Chromium runs the same face tracker the live page uses, and every
 * decoded frame becomes a {@linkcode FaceFrame}. One browser serves many files.
 *
 * Offline frames are measured in MediaPipe IMAGE mode (each frame alone): at the default
 * 5 fps, frames are 200 ms apart, which is too far for VIDEO-mode tracking to help, and it is
 * the mode the face model's training images were measured in. Each frame is prepared as the
 * training images were (static/face/pixel_batch.js): small images and video frames are upscaled
 * and padded, presentations tried in order until a face is found (presentationsFor), and the
 * pixel model, when present in models/, scores the aligned crop in the page.
 */
import { fileURLToPath } from "node:url";
import { HeadlessFace } from "../face/headless_face.ts";
import { presentationsFor } from "./fer_cache.ts";
import { DEFAULT_PIXEL_MODEL_NAME } from "../face/pixel_model.ts";
import type { FaceFrame } from "../face/face_frame.ts";

/** Options for {@linkcode FaceExtractor.open}. */
export interface FaceExtractorOptions {
  /** Path of face_landmarker.task. Required. */
  modelPath: string;
  /** Frames decoded per second of video; default 5, range (0, 30]. */
  fps?: number;
  /** Frames wider than this many pixels are downscaled (aspect kept); default 640. */
  maxWidth?: number;
  /** Longest video decoded, in seconds; default 3600. */
  maxDurationInS?: number;
  /** ffmpeg executable; default "ffmpeg". */
  ffmpeg?: string;
  /** Chromium executable; default "/usr/bin/chromium". */
  executablePath?: string;
  /**
   * Pixel model file under the repository's models/ run on each face crop (its probabilities become
   * `pixelProbs`); default "face_cnn.onnx" when that file exists, null = none.
   */
  pixelModel?: string | null;
}

/** Raised when a file cannot be decoded into frames. */
export class FaceExtractError extends Error {
  readonly recoverable = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "FaceExtractError";
  }
}

/** File extensions treated as still images (one frame at timeMs 0). */
export const IMAGE_EXTENSIONS = new Set(["jpg", "jpeg", "png", "bmp", "webp", "gif", "tif", "tiff"]);

const FRAMES_PER_CALL = 16;

/** A decoded RGB frame. */
interface RgbFrame {
  width: number;
  height: number;
  rgb: Uint8Array;
}

/** Measures faces in media files. */
export class FaceExtractor {
  readonly fps: number;
  readonly maxWidth: number;
  readonly maxDurationInS: number;
  readonly ffmpeg: string;

  private constructor(private readonly face: HeadlessFace, options: FaceExtractorOptions) {
    this.fps = options.fps ?? 5;
    this.maxWidth = options.maxWidth ?? 640;
    this.maxDurationInS = options.maxDurationInS ?? 3600;
    this.ffmpeg = options.ffmpeg ?? "ffmpeg";
  }

  /** Starts the headless browser and loads the tracker. */
  static async open(options: FaceExtractorOptions): Promise<FaceExtractor> {
    const fps = options.fps ?? 5;
    if (!(fps > 0 && fps <= 30)) throw new RangeError(`fps must be in (0, 30], got ${fps}`);
    const maxWidth = options.maxWidth ?? 640;
    if (!(Number.isInteger(maxWidth) && maxWidth >= 32)) throw new RangeError("maxWidth must be an integer ≥ 32");
    if (!((options.maxDurationInS ?? 3600) > 0)) throw new RangeError("maxDurationInS must be > 0");
    let pixelModel = options.pixelModel === undefined ? `${DEFAULT_PIXEL_MODEL_NAME}.onnx` : options.pixelModel;
    if (pixelModel && options.pixelModel === undefined) {
      const exists = await Deno.stat(fileURLToPath(new URL(`../../models/${pixelModel}`, import.meta.url)))
        .then(() => true, () => false);
      if (!exists) pixelModel = null;
    }
    const face = await HeadlessFace.open({
      modelPath: options.modelPath,
      executablePath: options.executablePath,
      pipeline: "prepared",
      pixelModel: pixelModel ?? undefined,
    });
    return new FaceExtractor(face, options);
  }

  /** Whether a path names a still image (by extension). */
  static isImage(path: string): boolean {
    return IMAGE_EXTENSIONS.has(path.slice(path.lastIndexOf(".") + 1).toLowerCase());
  }

  /** Face frames of a video (one per 1/fps s, timeMs from 0) or an image (one frame at 0). */
  async extract(mediaPath: string): Promise<FaceFrame[]> {
    const image = FaceExtractor.isImage(mediaPath);
    const frames = await this.#decode(mediaPath, image);
    const out: FaceFrame[] = [];
    for (let start = 0; start < frames.length; start += FRAMES_PER_CALL) {
      // Frames of one call share a size; a size change mid-video (rare) splits the call.
      let end = Math.min(frames.length, start + FRAMES_PER_CALL);
      for (let i = start + 1; i < end; i++) {
        if (frames[i].width !== frames[start].width || frames[i].height !== frames[start].height) end = i;
      }
      const { width, height } = frames[start];
      const bytes = new Uint8Array((end - start) * width * height * 3);
      for (let i = start; i < end; i++) bytes.set(frames[i].rgb, (i - start) * width * height * 3);
      const timesMs = Array.from({ length: end - start }, (_, k) => image ? 0 : ((start + k) * 1000) / this.fps);
      const presentations = presentationsFor(width, height);
      const r = await this.face.measure({
        bytes,
        width,
        height,
        channels: 3,
        count: end - start,
        timesMs,
        presentations,
      });
      out.push(...r.frames);
      start = end - FRAMES_PER_CALL;
    }
    return out;
  }

  /** Closes the browser. */
  async close(): Promise<void> {
    await this.face.close();
  }

  async #decode(path: string, image: boolean): Promise<RgbFrame[]> {
    try {
      await Deno.stat(path);
    } catch {
      throw new FaceExtractError(`no such file: ${path}`);
    }
    const scale = `scale='min(${this.maxWidth},iw)':-2`;
    const args = ["-nostdin", "-hide_banner", "-loglevel", "error", "-i", path, "-map", "0:v:0", "-an"];
    if (image) args.push("-frames:v", "1", "-vf", scale);
    else args.push("-t", String(this.maxDurationInS), "-vf", `fps=${this.fps},${scale}`);
    args.push("-f", "image2pipe", "-vcodec", "ppm", "pipe:1");
    let out: Deno.CommandOutput;
    try {
      out = await new Deno.Command(this.ffmpeg, { args, stdout: "piped", stderr: "piped", stdin: "null" }).output();
    } catch (err) {
      throw new FaceExtractError(`cannot run ffmpeg: ${(err as Error).message}`, { cause: err });
    }
    if (!out.success) {
      const msg = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-2).join(" ");
      throw new FaceExtractError(`ffmpeg could not decode video of ${path}: ${msg || `exit ${out.code}`}`);
    }
    return parsePpmStream(out.stdout);
  }
}

/** Splits concatenated binary PPM (P6, maxval 255) images. */
export function parsePpmStream(bytes: Uint8Array): RgbFrame[] {
  const frames: RgbFrame[] = [];
  let pos = 0;
  const token = (): string => {
    while (pos < bytes.length) {
      const c = bytes[pos];
      if (c === 0x23) { while (pos < bytes.length && bytes[pos] !== 0x0a) pos++; // comment
       } else if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
    const s = pos;
    while (pos < bytes.length && ![0x20, 0x0a, 0x0d, 0x09].includes(bytes[pos])) pos++;
    return new TextDecoder().decode(bytes.subarray(s, pos));
  };
  while (pos < bytes.length) {
    if (token() !== "P6") throw new FaceExtractError("unexpected frame format from ffmpeg (expected PPM P6)");
    const width = Number(token()), height = Number(token()), maxval = Number(token());
    if (!(width > 0 && height > 0) || maxval !== 255) throw new FaceExtractError("bad PPM header from ffmpeg");
    pos++; // the single whitespace byte after maxval
    const n = width * height * 3;
    if (pos + n > bytes.length) throw new FaceExtractError("truncated frame from ffmpeg");
    frames.push({ width, height, rgb: bytes.slice(pos, pos + n) });
    pos += n;
  }
  return frames;
}
