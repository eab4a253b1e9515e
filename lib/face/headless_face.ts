/**
 * Runs static/face/face_tracker.js in headless Chromium (playwright-core), so that offline
 * extraction measures faces with exactly the code and model the participant's browser uses.
 * One browser and one page serve many batches; raw images travel over loopback only.
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { FaceAssetServer, HARNESS_URL_PATH, MODELS_URL_PATH } from "./asset_server.ts";
import type { FaceFrame } from "./face_frame.ts";

/** Raised when Chromium cannot start or the page fails. */
export class HeadlessFaceError extends Error {
  readonly recoverable = false;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "HeadlessFaceError";
  }
}

/** Options for {@linkcode HeadlessFace.open}. */
export interface HeadlessFaceOptions {
  /** Path of face_landmarker.task. Required. */
  modelPath: string;
  /** Landmarks returned per frame: "subset" (default), "all" (478) or "none". */
  landmarks?: "subset" | "all" | "none";
  /** Detector confidence threshold in [0, 1]; default 0.5 (MediaPipe's). */
  minFaceDetectionConfidence?: number;
  /** Chromium executable; default "/usr/bin/chromium". */
  executablePath?: string;
  /** Longest one page call may take, in ms; default 600000. */
  timeoutMs?: number;
  /**
   * Page pipeline: "plain" (default, static/face/image_batch.js: one presentation per image) or
   * "prepared" (static/face/pixel_batch.js: presentations tried in order, aligned crops, and the
   * pixel model when `pixelModel` is given).
   */
  pipeline?: "plain" | "prepared";
  /** File name of the pixel model under models/ (e.g. "face_cnn.onnx"); "prepared" only. */
  pixelModel?: string;
}

/** One batch of raw images, stored back to back. */
export interface ImageBatch {
  /** width·height·channels·count bytes, row-major, 0 = black. */
  bytes: Uint8Array;
  /** Image width in pixels. */
  width: number;
  /** Image height in pixels. */
  height: number;
  /** 1 = gray, 3 = RGB. */
  channels: 1 | 3;
  /** Number of images. */
  count: number;
  /** Upscaling factor before detection; default 1. */
  scale?: number;
  /** Border on each side as a fraction of the scaled size; default 0. */
  pad?: number;
  /** Per-image media time in ms; default 0 for all. */
  timesMs?: number[];
  /** "prepared" pipeline: presentations tried in order until a face is found. */
  presentations?: readonly { scale: number; pad: number }[];
  /** "prepared" pipeline: also return the aligned crops. */
  crops?: boolean;
}

/** What {@linkcode HeadlessFace.measure} returns. */
export interface MeasuredBatch {
  frames: FaceFrame[];
  /** Page time for the batch, ms. */
  ms: number;
  /** "prepared": 1-based presentation that found each face (0 = none). */
  attempts?: number[];
  /** "prepared" with a pixel model: page time spent in it, ms. */
  pixelMs?: number;
  /** "prepared" with crops: CROP_SIZE² gray bytes per image, zeros without a face. */
  crops?: Uint8Array;
}

/** Chromium flags for a quiet, reproducible headless run. */
export const CHROMIUM_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A headless page running the face tracker in IMAGE mode. */
export class HeadlessFace {
  private constructor(
    private readonly server: FaceAssetServer,
    private readonly browser: Browser,
    private readonly page: Page,
    private readonly userDataDir: string,
  ) {}

  /** Starts the loopback server and Chromium, and loads the tracker. */
  static async open(options: HeadlessFaceOptions): Promise<HeadlessFace> {
    const server = await FaceAssetServer.start({ modelPath: options.modelPath });
    const userDataDir = await Deno.makeTempDir({ prefix: "affectstream-chromium-" });
    let browser: Browser | undefined;
    try {
      const context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: options.executablePath ?? "/usr/bin/chromium",
        args: CHROMIUM_ARGS,
        headless: true,
      });
      browser = context.browser() ?? undefined;
      const page = context.pages()[0] ?? await context.newPage();
      page.setDefaultTimeout(options.timeoutMs ?? 600_000);
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(server.origin + HARNESS_URL_PATH);
      await page.waitForFunction(() => (globalThis as any).faceHarnessReady === true, null, { timeout: 30_000 })
        .catch((e) => {
          throw new HeadlessFaceError(`harness did not load: ${errors.join("; ") || (e as Error).message}`);
        });
      const pipeline = options.pipeline ?? "plain";
      const harness = pipeline === "prepared" ? "pixelBatch" : "faceBatch";
      await page.evaluate(
        ([h, o]) => (globalThis as any)[h].init(o),
        [harness, {
          landmarks: options.landmarks ?? "subset",
          minFaceDetectionConfidence: options.minFaceDetectionConfidence,
          pixelModelUrl: options.pixelModel ? `${MODELS_URL_PATH}/${options.pixelModel}` : undefined,
        }] as const,
      );
      const self = new HeadlessFace(server, browser as Browser, page, userDataDir);
      self.#harness = harness;
      self.#context = context;
      return self;
    } catch (err) {
      await browser?.close().catch(() => {});
      await server.close();
      await Deno.remove(userDataDir, { recursive: true }).catch(() => {});
      if (err instanceof HeadlessFaceError) throw err;
      throw new HeadlessFaceError(`cannot start headless face tracker: ${(err as Error).message}`, { cause: err });
    }
  }

  #context: { close(): Promise<void> } | undefined;
  #harness = "faceBatch";

  /** Measures a batch of images; returns one frame per image and the page's processing time in ms. */
  async measure(batch: ImageBatch): Promise<MeasuredBatch> {
    const expected = batch.width * batch.height * batch.channels * batch.count;
    if (batch.bytes.length !== expected) {
      throw new RangeError(`batch has ${batch.bytes.length} bytes, expected ${expected}`);
    }
    const url = this.server.putBlob(batch.bytes);
    const { bytes: _bytes, ...req } = batch;
    const out = await this.page.evaluate(
      ([h, r]) => (globalThis as any)[h].measure(r),
      [this.#harness, { ...req, url }] as const,
    ) as Omit<MeasuredBatch, "crops"> & { crops?: string };
    return { ...out, crops: out.crops === undefined ? undefined : decodeBase64(out.crops) };
  }

  /**
   * Runs a function in the page (which serves static/face/, /vendor/tasks-vision/ and the model
   * like the app does), after making `blob` fetchable at `arg.blobUrl`. For tests and tools.
   */
  async evaluate<R, A extends Record<string, unknown>>(
    fn: (arg: A & { blobUrl?: string }) => R | Promise<R>,
    arg: A,
    blob?: Uint8Array,
  ): Promise<R> {
    const blobUrl = blob ? this.server.putBlob(blob) : undefined;
    return await this.page.evaluate(fn as any, { ...arg, blobUrl }) as R;
  }

  /** Closes the page, the browser and the server. */
  async close(): Promise<void> {
    await this.page.evaluate((h) => (globalThis as any)[h].close(), this.#harness).catch(() => {});
    await this.#context?.close().catch(() => {});
    await this.browser?.close().catch(() => {});
    await this.server.close();
    await Deno.remove(this.userDataDir, { recursive: true }).catch(() => {});
  }
}

function decodeBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
