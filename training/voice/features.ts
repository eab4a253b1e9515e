/**
 * `deno task features [DATA_DIR] [--cache DIR]`: computes the voice features of every
 * labelled RAVDESS and EmoDB clip under DATA_DIR (default ../shared/data) with the live
 * TypeScript feature code into the cache (default ~/.cache/affectstream/voice).
 */
import { buildFeatureCache, defaultCacheDir } from "./feature_cache.ts";
import { ProgressBar } from "./progress_bar.ts";

/** Parses `[DATA_DIR] [--cache DIR]`. */
export function parseFeatureArgs(args: string[]): { dataDir: string; cacheDir: string } {
  let dataDir = "../shared/data", cacheDir = defaultCacheDir();
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--cache") cacheDir = args[++i];
    else if (!args[i].startsWith("--")) dataDir = args[i].replace(/\/voice\/?$/, "");
    else throw new Error(`unknown option ${args[i]}`);
  }
  return { dataDir, cacheDir };
}

if (import.meta.main) {
  const { dataDir, cacheDir } = parseFeatureArgs(Deno.args);
  const bar = new ProgressBar("voice features");
  const file = await buildFeatureCache({ dataDir, cacheDir, onProgress: (d, t) => bar.update(d, t) });
  bar.done();
  console.log(`wrote ${file}`);
}
