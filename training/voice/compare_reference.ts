/**
 * `deno run -A training/voice/compare_reference.ts [DATA_DIR] [--sample N]`:
 * per-feature agreement of the project's eGeMAPS features with openSMILE 3.0's eGeMAPSv02
 * output (reference/egemaps-functionals.csv); prints a markdown table with Pearson r and
 * Spearman ρ across clips and the median relative error |ours − openSMILE| / |openSMILE|.
 *
 * The features are computed afresh over each whole clip, as openSMILE was run (the training cache
 * holds features over the VAD-trimmed speech span, which the whole-clip reference does not match:
 * segment statistics and level means differ). `--sample N` takes every N-th reference clip only
 * (a quick check while changing the feature code); the default is every clip (about 2 minutes).
 */
import { decodeAudio } from "../../lib/media/decode.ts";
import { EGEMAPS_FUNCTIONAL_NAMES } from "../../lib/voice/functional_names.ts";
import { utteranceFeatures } from "../../lib/voice/utterance_features.ts";
import { parseFeatureArgs } from "./features.ts";

/** Pearson correlation. */
export function pearson(a: number[], b: number[]): number {
  const n = a.length, ma = a.reduce((s, v) => s + v, 0) / n, mb = b.reduce((s, v) => s + v, 0) / n;
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < n; i++) (ab += (a[i] - ma) * (b[i] - mb)), (aa += (a[i] - ma) ** 2), (bb += (b[i] - mb) ** 2);
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/** Ranks (average ranks for ties), for Spearman's ρ. */
function ranks(x: number[]): number[] {
  const idx = x.map((_, i) => i).sort((i, j) => x[i] - x[j]);
  const r = new Array<number>(x.length);
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && x[idx[j + 1]] === x[idx[i]]) j++;
    for (let k = i; k <= j; k++) r[idx[k]] = (i + j) / 2;
    i = j + 1;
  }
  return r;
}

/** Spearman rank correlation: robust to the few huge ratios of near-zero means in `stddevNorm` features. */
export function spearman(a: number[], b: number[]): number {
  return pearson(ranks(a), ranks(b));
}

/** Median of |b − a| / |a| over the pairs with a ≠ 0. */
export function medianRelativeError(a: number[], b: number[]): number {
  const e = a.map((v, i) => (v !== 0 ? Math.abs(b[i] - v) / Math.abs(v) : NaN)).filter(Number.isFinite);
  if (e.length === 0) return NaN;
  e.sort((x, y) => x - y);
  const m = e.length >> 1;
  return e.length % 2 ? e[m] : (e[m - 1] + e[m]) / 2;
}

/** Reference rows: clip path → 88 openSMILE functionals. */
async function readReference(dataDir: string): Promise<Map<string, number[]>> {
  const ref = new Map<string, number[]>();
  const text = await Deno.readTextFile(`${dataDir}/reference/egemaps-functionals.csv`);
  for (const line of text.trim().split("\n").slice(1)) {
    const f = line.split(";");
    ref.set(f[0].replace(/'/g, ""), f.slice(2).map(Number));
  }
  return ref;
}

if (import.meta.main) {
  const args = [...Deno.args];
  const at = args.indexOf("--sample");
  const sample = at >= 0 ? Number(args.splice(at, 2)[1]) : 1;
  if (!(Number.isInteger(sample) && sample >= 1)) throw new Error("--sample needs a positive integer");
  const { dataDir } = parseFeatureArgs(args);
  const ref = await readReference(dataDir);
  const pairs: (readonly [number[], number[]])[] = [];
  const paths = [...ref.keys()].filter((_, i) => i % sample === 0);
  for (const path of paths) {
    const u = utteranceFeatures(await decodeAudio(`${dataDir}/${path}`));
    if (u) pairs.push([ref.get(path)!, Array.from(u.features.subarray(0, 88))]);
  }
  const rows = EGEMAPS_FUNCTIONAL_NAMES.map((name, j) => {
    const a = pairs.map((p) => p[0][j]), b = pairs.map((p) => p[1][j]);
    const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
    return {
      name,
      r: pearson(a, b),
      rho: spearman(a, b),
      relErr: medianRelativeError(a, b),
      refMean: mean(a),
      ourMean: mean(b),
    };
  });
  const fmt = (
    v: number,
  ) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(2) : v.toFixed(3));
  console.log(
    `Clips: ${pairs.length} (${
      sample > 1 ? `every ${sample}th reference clip` : "every reference clip"
    }, whole clips). ` +
      `Features with r > 0.9: ${rows.filter((r) => r.r > 0.9).length}/88, ` +
      `r > 0.7: ${rows.filter((r) => r.r > 0.7).length}/88, r > 0.5: ${rows.filter((r) => r.r > 0.5).length}/88; ` +
      `Spearman ρ > 0.9: ${rows.filter((r) => r.rho > 0.9).length}/88, ρ > 0.7: ${
        rows.filter((r) => r.rho > 0.7).length
      }/88. ` +
      `Median of the per-feature median relative errors: ${
        fmt([...rows.map((r) => r.relErr)].sort((x, y) => x - y)[rows.length >> 1])
      }.\n`,
  );
  console.log(
    "| # | feature | r | Spearman ρ | median rel. error | openSMILE mean | ours mean |\n|---|---|---|---|---|---|---|",
  );
  rows.forEach((r, i) =>
    console.log(
      `| ${i} | ${r.name} | ${r.r.toFixed(3)} | ${r.rho.toFixed(3)} | ${fmt(r.relErr)} | ${fmt(r.refMean)} | ` +
        `${fmt(r.ourMean)} |`,
    )
  );
}
