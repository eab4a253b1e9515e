/**
 * The dashboard's files, the MediaPipe tasks-vision package (served from node_modules, never a
 * CDN) and the face landmarker model: a local file given with --face-model, else a redirect to
 * the official MediaPipe model location.
 */
import type { Hono } from "hono";
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
const STATIC_DIR = `${ROOT}static`;
const VENDOR_DIR = `${ROOT}node_modules/@mediapipe/tasks-vision`;

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json",
  wasm: "application/wasm",
  png: "image/png",
  svg: "image/svg+xml",
  task: "application/octet-stream",
};

async function serveFile(dir: string, rel: string): Promise<Response> {
  // Reject traversal outright rather than normalising it.
  if (rel.split("/").some((p) => p === ".." || p.startsWith("."))) return new Response("bad path", { status: 400 });
  const path = `${dir}/${rel}`;
  try {
    const file = await Deno.open(path, { read: true });
    const stat = await file.stat();
    if (!stat.isFile) {
      file.close();
      return new Response("not found", { status: 404 });
    }
    const ext = rel.split(".").pop() ?? "";
    return new Response(file.readable, {
      headers: {
        "content-type": TYPES[ext] ?? "application/octet-stream",
        "content-length": String(stat.size),
        "cache-control": "no-cache",
      },
    });
  } catch {
    return new Response("not found", { status: 404 });
  }
}

/** Adds the static routes to `app`. */
export function staticRoutes(app: Hono, options: StaticOptions = {}): void {
  app.get("/", () => serveFile(STATIC_DIR, "index.html"));
  app.get("/static/*", (c) => serveFile(STATIC_DIR, c.req.path.slice("/static/".length)));
  app.get("/vendor/tasks-vision/*", (c) => serveFile(VENDOR_DIR, c.req.path.slice("/vendor/tasks-vision/".length)));
  app.get("/v1/face-model/face_landmarker.task", async (c) => {
    if (!options.faceModelPath) return c.redirect(DEFAULT_FACE_MODEL_URL, 302);
    const path = options.faceModelPath;
    const slash = path.lastIndexOf("/");
    return await serveFile(slash >= 0 ? path.slice(0, slash) : ".", path.slice(slash + 1));
  });
}
