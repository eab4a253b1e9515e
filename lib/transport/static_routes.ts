/**
 * The dashboard's files, the MediaPipe tasks-vision package (served from node_modules, never a
 * CDN) and the face landmarker model: a local file given with --face-model, else a redirect to
 * the official MediaPipe model location. One file server (hono's serveStatic) behind a
 * whitelist: only the browser assets the dashboard loads are served (no tests, no sources, no
 * package metadata).
 */
import type { Context, Hono, MiddlewareHandler } from "hono";
import { serveStatic } from "hono/deno";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Official location of the float16 Face Landmarker model. */
export const DEFAULT_FACE_MODEL_URL =
  "https://storage.googleapis.com/mediapipe-models/face_landmarker/face_landmarker/float16/1/face_landmarker.task";

/** Options for {@linkcode staticRoutes}. */
export interface StaticOptions {
  /** Local face_landmarker.task to serve; default: redirect to DEFAULT_FACE_MODEL_URL. */
  faceModelPath?: string;
}

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Dashboard files: static/<folder>/<name>.{js,css,html,svg,png,json,onnx,wasm}, never a test. */
const STATIC_FILE = /^\/static\/(?:[A-Za-z0-9_-]+\/){0,2}[A-Za-z0-9_.-]+\.(?:js|mjs|css|html|svg|png|json|onnx|wasm)$/;
/** The onnxruntime-web files the browser's pixel expression model loads (static/face/pixel_model.js). */
const ORT_FILE = /^\/vendor\/onnxruntime-web\/(?:ort\.wasm\.min\.mjs|ort-wasm-simd-threaded\.(?:mjs|wasm))$/;
/** The tasks-vision files the face tracker loads. */
const VENDOR_FILE = /^\/vendor\/tasks-vision\/(?:vision_bundle\.mjs|wasm\/vision_wasm(?:_module|_nosimd)?_internal\.(?:js|wasm))$/;

function whitelist(pattern: RegExp): MiddlewareHandler {
  return async (c, next) => {
    const path = c.req.path;
    if (!pattern.test(path) || /_test\.|\.test\./.test(path)) return c.json({ error: "not_found", message: "no such file" }, 404);
    await next();
  };
}

const noCache: MiddlewareHandler = async (c, next) => {
  await next();
  if (c.res.status === 200) c.header("cache-control", "no-cache");
};

const notFound = (c: Context) => c.json({ error: "not_found", message: "no such file" }, 404);

/** Adds the static routes to `app`. */
export function staticRoutes(app: Hono<any>, options: StaticOptions = {}): void {
  app.get("/", noCache, serveStatic({ root: ROOT, path: "static/index.html" }), notFound);
  app.get("/static/*", whitelist(STATIC_FILE), noCache, serveStatic({ root: ROOT }), notFound);
  app.get(
    "/vendor/tasks-vision/*",
    whitelist(VENDOR_FILE),
    noCache,
    serveStatic({
      root: `${ROOT}node_modules/@mediapipe/tasks-vision`,
      rewriteRequestPath: (p) => p.slice("/vendor/tasks-vision".length),
    }),
    notFound,
  );
  app.get(
    "/vendor/onnxruntime-web/*",
    whitelist(ORT_FILE),
    noCache,
    serveStatic({
      root: `${ROOT}node_modules/onnxruntime-web/dist`,
      rewriteRequestPath: (p) => p.slice("/vendor/onnxruntime-web".length),
      mimes: { mjs: "text/javascript", wasm: "application/wasm" },
    }),
    notFound,
  );
  // The pixel expression model the browser runs beside the landmarker (models/face_cnn.onnx).
  app.get(
    "/v1/face-model/face_cnn.onnx",
    noCache,
    serveStatic({ root: ROOT, path: "models/face_cnn.onnx", mimes: { onnx: "application/octet-stream" } }),
    notFound,
  );
  app.get("/v1/face-model/face_landmarker.task", async (c, next) => {
    if (!options.faceModelPath) return c.redirect(DEFAULT_FACE_MODEL_URL, 302);
    return await serveStatic({ root: "/", path: resolve(options.faceModelPath), mimes: { task: "application/octet-stream" } })(
      c,
      next,
    );
  }, notFound);
}
