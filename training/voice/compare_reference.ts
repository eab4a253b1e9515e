/**
 * `deno run -A training/voice/compare_reference.ts [DATA_DIR] [--cache DIR]`: per-feature
 * agreement of the cached project features with openSMILE 3.0's eGeMAPSv02 output
 * (reference/egemaps-functionals.csv) over every cached clip; prints a markdown table.
 */
import { EGEMAPS_FUNCTIONAL_NAMES } from "../../lib/voice/functional_names.ts";
import type { FeatureCache } from "./feature_cache.ts";
import { parseFeatureArgs } from "./features.ts";

/** Pearson correlation. */
export function pearson(a: number[], b: number[]): number {
  const n = a.length, ma = a.reduce((s, v) => s + v, 0) / n, mb = b.reduce((s, v) => s + v, 0) / n;
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < n; i++) (ab += (a[i] - ma) * (b[i] - mb)), (aa += (a[i] - ma) ** 2), (bb += (b[i] - mb) ** 2);
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

if (import.meta.main) {
  const { dataDir, cacheDir } = parseFeatureArgs(Deno.args);
  const cache = JSON.parse(await Deno.readTextFile(`${cacheDir}/voice_features.json`)) as FeatureCache;
  const ref = new Map<string, number[]>();
  for (
    const line of (await Deno.readTextFile(`${dataDir}/reference/egemaps-functionals.csv`)).trim().split("\n").slice(1)
  ) {
    const f = line.split(";");
    ref.set(f[0].replace(/'/g, ""), f.slice(2).map(Number));
  }
  const pairs = cache.clips.filter((c) => ref.has(c.path)).map((c) => [ref.get(c.path)!, c.features] as const);
  const rows = EGEMAPS_FUNCTIONAL_NAMES.map((name, j) => {
    const a = pairs.map((p) => p[0][j]), b = pairs.map((p) => p[1][j]);
    const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
    return { name, r: pearson(a, b), refMean: mean(a), ourMean: mean(b) };
  });
  const fmt = (
    v: number,
  ) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(2) : v.toFixed(3));
  console.log(
    `Clips: ${pairs.length}. Features with r > 0.9: ${rows.filter((r) => r.r > 0.9).length}/88, ` +
      `r > 0.7: ${rows.filter((r) => r.r > 0.7).length}/88, r > 0.5: ${rows.filter((r) => r.r > 0.5).length}/88.\n`,
  );
  console.log("| # | feature | r | openSMILE mean | ours mean |\n|---|---|---|---|---|");
  rows.forEach((r, i) =>
    console.log(`| ${i} | ${r.name} | ${r.r.toFixed(3)} | ${fmt(r.refMean)} | ${fmt(r.ourMean)} |`)
  );
}
