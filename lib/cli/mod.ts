/**
 * The `analyze` command (recorded files through the live pipeline, and manifests of items) and
 * `stream` (a recording played into a live server in real time, like a call bot).
 */
export * from "./analyze.ts";
export * from "./item_analyzer.ts";
export * from "./manifest.ts";
export * from "./stream.ts";
