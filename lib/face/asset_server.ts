/**
 * A tiny loopback HTTP server for headless face measurement: it serves static/face/, the
 * @mediapipe/tasks-vision package, the Face Landmarker model and short-lived binary blobs
 * (image batches) to a headless Chromium page. Not the app's server; used by extraction,
 * {@linkcode FaceExtractor} and browser tests only.
 */
import { fileURLToPath } from "node:url";

/** Options for {@linkcode FaceAssetServer.start}. */
export interface FaceAssetServerOptions {
  /** Path of face_landmarker.task, served at MODEL_URL_PATH. Required. */
  modelPath: string;
  /** Port to bind on 127.0.0.1; default 0 (any free port). */
  port?: number;
}

/** URL path of the tracker module. */
export const TRACKER_URL_PATH = "/static/face/face_tracker.js";
/** URL path of the tasks-vision package directory (same layout the app serves). */
export const VENDOR_URL_PATH = "/vendor/tasks-vision";
/** URL path of the model (same path the app serves). */
export const MODEL_URL_PATH = "/v1/face-model/face_landmarker.task";
/** URL path of the measurement harness page. */
export const HARNESS_URL_PATH = "/harness.html";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const STATIC_FACE_DIR = `${REPO_ROOT}static/face/`;
const VENDOR_DIR = `${REPO_ROOT}node_modules/@mediapipe/tasks-vision/`;
/** URL path of the onnxruntime-web dist folder (the pixel model runs on it in the page). */
export const ORT_VENDOR_URL_PATH = "/vendor/onnxruntime-web";
const ORT_DIR = `${REPO_ROOT}node_modules/onnxruntime-web/dist/`;
/** URL path under which the repository's models/ folder is served (the pixel model). */
export const MODELS_URL_PATH = "/models";
const MODELS_DIR = `${REPO_ROOT}models/`;

const CONTENT_TYPES: Record<string, string> = {
  js: "text/javascript",
  mjs: "text/javascript",
  wasm: "application/wasm",
  html: "text/html",
  task: "application/octet-stream",
  onnx: "application/octet-stream",
};

const HARNESS_HTML = `<!doctype html><meta charset="utf-8"><title>face harness</title>
<script type="module">
import * as batch from "/static/face/image_batch.js";
globalThis.faceBatch = batch;
import * as pixelBatch from "/static/face/pixel_batch.js";
globalThis.pixelBatch = pixelBatch;
globalThis.faceHarnessReady = true;
</script>`;

/** A running loopback server; `origin` is e.g. "http://127.0.0.1:41234". */
export class FaceAssetServer {
  #blobs = new Map<string, Uint8Array>();
  #nextBlob = 0;

  private constructor(readonly origin: string, private readonly server: Deno.HttpServer, readonly modelPath: string) {}

  /** Starts the server on 127.0.0.1. */
  static async start(options: FaceAssetServerOptions): Promise<FaceAssetServer> {
    if (!options?.modelPath) throw new TypeError("FaceAssetServer needs modelPath");
    await Deno.stat(options.modelPath); // fail now, not in the browser
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`bad port ${port}`);
    const holder: { self?: FaceAssetServer } = {};
    const { promise, resolve } = Promise.withResolvers<Deno.NetAddr>();
    const server = Deno.serve(
      { hostname: "127.0.0.1", port, onListen: (addr) => resolve(addr as Deno.NetAddr) },
      (req) => holder.self!.#handle(req),
    );
    const addr = await promise;
    holder.self = new FaceAssetServer(`http://127.0.0.1:${addr.port}`, server, options.modelPath);
    return holder.self;
  }

  /** Makes bytes fetchable once at the returned URL path (the page deletes it by fetching). */
  putBlob(bytes: Uint8Array): string {
    const id = String(this.#nextBlob++);
    this.#blobs.set(id, bytes);
    return `/blob/${id}`;
  }

  /** Stops serving. */
  async close(): Promise<void> {
    this.#blobs.clear();
    await this.server.shutdown();
  }

  async #handle(req: Request): Promise<Response> {
    const path = decodeURIComponent(new URL(req.url).pathname);
    if (path.includes("..")) return new Response("bad path", { status: 400 });
    if (path === HARNESS_URL_PATH) return new Response(HARNESS_HTML, { headers: { "content-type": "text/html" } });
    if (path.startsWith("/blob/")) {
      const id = path.slice("/blob/".length);
      const bytes = this.#blobs.get(id);
      this.#blobs.delete(id);
      return bytes ? new Response(bytes as BodyInit) : new Response("gone", { status: 404 });
    }
    if (path === MODEL_URL_PATH) return await fileResponse(this.modelPath);
    if (path.startsWith("/static/face/")) return await fileResponse(STATIC_FACE_DIR + path.slice(13));
    if (path.startsWith(ORT_VENDOR_URL_PATH + "/")) {
      return await fileResponse(ORT_DIR + path.slice(ORT_VENDOR_URL_PATH.length + 1));
    }
    if (path.startsWith(MODELS_URL_PATH + "/")) {
      return await fileResponse(MODELS_DIR + path.slice(MODELS_URL_PATH.length + 1));
    }
    if (path.startsWith(VENDOR_URL_PATH + "/")) {
      return await fileResponse(VENDOR_DIR + path.slice(VENDOR_URL_PATH.length + 1));
    }
    return new Response("not found", { status: 404 });
  }
}

async function fileResponse(file: string): Promise<Response> {
  try {
    const bytes = await Deno.readFile(file);
    const ext = file.slice(file.lastIndexOf(".") + 1);
    return new Response(bytes, { headers: { "content-type": CONTENT_TYPES[ext] ?? "application/octet-stream" } });
  } catch {
    return new Response("not found", { status: 404 });
  }
}
