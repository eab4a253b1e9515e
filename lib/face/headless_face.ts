/**
 * Runs static/face/face_tracker.js in headless Chromium (playwright-core), so that offline
 * extraction measures faces with exactly the code and model the participant's browser uses.
 * One browser and one page serve many batches; raw images travel over loopback only.
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { FaceAssetServer, HARNESS_URL_PATH } from "./asset_server.ts";
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
      await page.evaluate(
        (o) => (globalThis as any).faceBatch.init(o),
        { landmarks: options.landmarks ?? "subset", minFaceDetectionConfidence: options.minFaceDetectionConfidence },
      );
      const self = new HeadlessFace(server, browser as Browser, page, userDataDir);
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

  /** Measures a batch of images; returns one frame per image and the page's processing time in ms. */
  async measure(batch: ImageBatch): Promise<{ frames: FaceFrame[]; ms: number }> {
    const expected = batch.width * batch.height * batch.channels * batch.count;
    if (batch.bytes.length !== expected) {
      throw new RangeError(`batch has ${batch.bytes.length} bytes, expected ${expected}`);
    }
    const url = this.server.putBlob(batch.bytes);
    const { bytes: _bytes, ...req } = batch;
    return await this.page.evaluate((r) => (globalThis as any).faceBatch.measure(r), { ...req, url });
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
    await this.page.evaluate(() => (globalThis as any).faceBatch.close()).catch(() => {});
    await this.#context?.close().catch(() => {});
    await this.browser?.close().catch(() => {});
    await this.server.close();
    await Deno.remove(this.userDataDir, { recursive: true }).catch(() => {});
  }
}
