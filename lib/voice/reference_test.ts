/**
 * The project's eGeMAPS against openSMILE 3.0's on real speech (../shared/data/reference):
 * per-feature correlation across a sample of clips, and F0 ranges per speaker sex. The full
 * table (all clips) is in docs/voice.md; this test guards it from regressing.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeAudio } from "../media/decode.ts";
import { EGEMAPS_FUNCTIONAL_NAMES } from "./functional_names.ts";
import { extractLlds } from "./lld_extractor.ts";
import { LLD, LLD_COUNT } from "./lld_names.ts";
import { nonZero, peaks2Slopes, smooth3, stddevNorm } from "./statistics.ts";
import { utteranceFeatures } from "./utterance_features.ts";

const DATA = "../shared/data";

function pearson(a: number[], b: number[]): number {
  const n = a.length, ma = a.reduce((s, v) => s + v) / n, mb = b.reduce((s, v) => s + v) / n;
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < n; i++) (ab += (a[i] - ma) * (b[i] - mb)), (aa += (a[i] - ma) ** 2), (bb += (b[i] - mb) ** 2);
  return ab / Math.sqrt(aa * bb);
}

/** openSMILE's LLD CSVs (reference/egemaps-lld): clip path and rows of the 25 LLDs. */
function referenceLlds(): { path: string; rows: number[][] }[] {
  const dir = `${DATA}/reference/egemaps-lld`;
  return [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".csv")).sort((a, b) => a.name < b.name ? -1 : 1)
    .map((e) => {
      const lines = Deno.readTextFileSync(`${dir}/${e.name}`).trim().split("\n").slice(1).map((l) => l.split(";"));
      return { path: lines[0][0].replace(/'/g, ""), rows: lines.map((l) => l.slice(2).map(Number)) };
    });
}

describe("eGeMAPS vs openSMILE on real speech", () => {
  it("reproduces openSMILE's slope and coefficient-of-variation functionals from openSMILE's own LLDs", () => {
    const ref = new Map(
      Deno.readTextFileSync(`${DATA}/reference/egemaps-functionals.csv`).trim().split("\n").slice(1)
        .map((l) => l.split(";")).map((f) => [f[0].replace(/'/g, ""), f.slice(2).map(Number)] as const),
    );
    for (const { path, rows } of referenceLlds()) {
      const want = ref.get(path)!;
      const f0 = nonZero(Float64Array.from(rows, (r) => r[10])), loud = Float64Array.from(rows, (r) => r[0]);
      const s = peaks2Slopes(f0, 0.01), l = peaks2Slopes(loud, 0.01);
      const got = [stddevNorm(f0), s.meanRising, s.stddevRising, s.meanFalling, s.stddevFalling];
      const exp = [want[1], want[6], want[7], want[8], want[9]];
      got.forEach((v, i) =>
        assert.ok(Math.abs(v - exp[i]) <= 1e-3 * Math.max(1, Math.abs(exp[i])), `${path} F0 #${i}`)
      );
      // loudness LLDs are printed to 7 digits, so its slopes agree to about 1 %
      const gotL = [l.meanRising, l.stddevRising, l.meanFalling, l.stddevFalling], expL = want.slice(16, 20);
      gotL.forEach((v, i) =>
        assert.ok(Math.abs(v - expL[i]) <= 0.02 * Math.abs(expL[i]) + 1e-3, `${path} loudness #${i}`)
      );
    }
  });

  it("tracks openSMILE's LLD contours frame by frame on the reference clips", async () => {
    const pairs: Record<string, [number[], number[]]> = {};
    const cols: Record<string, [number, number]> = {
      loudness: [0, LLD.loudness],
      F0: [10, LLD.f0],
      shimmer: [12, LLD.shimmer],
      HNR: [13, LLD.hnr],
      "H1-H2": [14, LLD.h1h2],
      "H1-A3": [15, LLD.h1a3],
      F1: [16, LLD.f1],
      "F1 amplitude": [18, LLD.f1 + 2],
      F2: [19, LLD.f1 + 3],
    };
    for (const { path, rows } of referenceLlds()) {
      const ll = extractLlds(await decodeAudio(`${DATA}/${path}`));
      const n = Math.min(rows.length, ll.length / LLD_COUNT);
      for (const [name, [rj, oj]] of Object.entries(cols)) {
        // openSMILE's columns are 3-frame smoothed (zeros skipped for the voiced set)
        const ours = smooth3(Float64Array.from({ length: n }, (_, t) => ll[t * LLD_COUNT + oj]), rj >= 10);
        const p = (pairs[name] ??= [[], []]);
        for (let t = 0; t < n; t++) {
          const both = rows[t][10] > 0 && ll[t * LLD_COUNT + LLD.f0] > 0;
          if (rj < 10 || both) (p[0].push(rows[t][rj]), p[1].push(ours[t]));
        }
      }
    }
    const r = Object.fromEntries(Object.entries(pairs).map(([k, [a, b]]) => [k, pearson(a, b)]));
    console.log(Object.entries(r).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(", "));
    // measured: loudness 0.998, F0 0.935, HNR 0.975, shimmer 0.75, H1–H2 0.66, H1–A3 0.77, F1 0.58, F1 amplitude 0.49
    const min: Record<string, number> = {
      loudness: 0.99,
      F0: 0.9,
      HNR: 0.95,
      shimmer: 0.65,
      "H1-H2": 0.55,
      "H1-A3": 0.65,
      F1: 0.45,
      "F1 amplitude": 0.4,
      F2: 0.35,
    };
    for (const [k, v] of Object.entries(min)) assert.ok(r[k] > v, `${k}: r = ${r[k].toFixed(3)}`);
  });

  it("correlates feature by feature across 60 clips", async () => {
    const rows = Deno.readTextFileSync(`${DATA}/reference/egemaps-functionals.csv`).trim().split("\n").slice(1)
      .map((l) => l.split(";"));
    const sample = rows.filter((_, i) => i % 25 === 0);
    const ref: number[][] = [], ours: number[][] = [];
    for (const r of sample) {
      const u = utteranceFeatures(await decodeAudio(`${DATA}/${r[0].replace(/'/g, "")}`))!;
      ref.push(r.slice(2).map(Number));
      ours.push(Array.from(u.features.subarray(0, 88)));
    }
    const r = EGEMAPS_FUNCTIONAL_NAMES.map((_, j) => pearson(ref.map((x) => x[j]), ours.map((x) => x[j])));
    const byName = Object.fromEntries(EGEMAPS_FUNCTIONAL_NAMES.map((n, j) => [n, r[j]]));
    console.log(
      `features with r > 0.9: ${r.filter((v) => v > 0.9).length}/88, r > 0.7: ${r.filter((v) => v > 0.7).length}/88, ` +
        `r > 0.5: ${r.filter((v) => v > 0.5).length}/88`,
    );
    // the core prosodic, energy, cepstral and spectral-balance features track openSMILE closely
    for (
      const name of [
        "F0semitoneFrom27.5Hz_sma3nz_amean",
        "F0semitoneFrom27.5Hz_sma3nz_percentile50.0",
        "F0semitoneFrom27.5Hz_sma3nz_percentile80.0",
        "loudness_sma3_amean",
        "loudness_sma3_percentile80.0",
        "loudness_sma3_meanRisingSlope",
        "spectralFlux_sma3_amean",
        "mfcc1_sma3_amean",
        "mfcc2_sma3_amean",
        "mfcc3_sma3_amean",
        "mfcc4_sma3_amean",
        "HNRdBACF_sma3nz_amean",
        "logRelF0-H1-A3_sma3nz_amean",
        "F1amplitudeLogRelF0_sma3nz_amean",
        "F2amplitudeLogRelF0_sma3nz_amean",
        "F3amplitudeLogRelF0_sma3nz_amean",
        "alphaRatioV_sma3nz_amean",
        "hammarbergIndexV_sma3nz_amean",
        "loudnessPeaksPerSec",
        "equivalentSoundLevel_dBp",
      ]
    ) assert.ok(byName[name] > 0.9, `${name}: r = ${byName[name].toFixed(3)}`);
    assert.ok(r.filter((v) => v > 0.9).length >= 45, "at least 45 features with r > 0.9");
    assert.ok(r.filter((v) => v > 0.5).length >= 66, "at least 66 features with r > 0.5");
  });

  it("puts RAVDESS male and female mean F0 in plausible ranges", async () => {
    for (const [actor, lo, hi] of [["01", 85, 200], ["03", 85, 200], ["02", 150, 350], ["04", 150, 350]] as const) {
      const u = utteranceFeatures(
        await decodeAudio(`${DATA}/voice/ravdess/Actor_${actor}/03-01-01-01-01-01-${actor}.flac`),
      )!;
      const hz = 27.5 * 2 ** (u.features[0] / 12);
      assert.ok(hz > lo && hz < hi, `actor ${actor}: ${hz.toFixed(0)} Hz`);
    }
  });
});
