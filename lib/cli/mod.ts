/** The `analyze` command: recorded files through the live pipeline, and manifests of items. */
export * from "./analyze.ts";
export * from "./item_analyzer.ts";
export * from "./manifest.ts";
