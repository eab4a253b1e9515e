import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { computeFunctionals, dropF0Outliers, dropShortRuns } from "./functionals.ts";
import { EGEMAPS_FUNCTIONAL_NAMES, FEATURE_COUNT } from "./functional_names.ts";
import { extractLlds, hzToSemitones } from "./lld_extractor.ts";
import { LLD_COUNT } from "./lld_names.ts";
import { peaks2Slopes, percentiles, slopeStats, smooth3 } from "./statistics.ts";
import { vowel } from "./synthetic_signals.ts";

const idx = (name: string) => EGEMAPS_FUNCTIONAL_NAMES.indexOf(name);

describe("functionals", () => {
  it("lists the 88 eGeMAPS v02 names in openSMILE's order", () => {
    const hdr = Deno.readTextFileSync("../shared/data/reference/egemaps-functionals.csv").split("\n")[0].split(";");
    assert.deepEqual(EGEMAPS_FUNCTIONAL_NAMES, hdr.slice(2));
  });

  it("summarises a steady vowel: F0 mean, zero F0 range, one voiced segment", () => {
    const ll = extractLlds(vowel({ f0Hz: 150, formants: [[700, 80], [1200, 90]], ms: 1000 }));
    const f = computeFunctionals(ll, ll.length / LLD_COUNT)!;
    assert.equal(f.length, FEATURE_COUNT);
    assert.ok(f.every(Number.isFinite));
    assert.ok(Math.abs(f[idx("F0semitoneFrom27.5Hz_sma3nz_amean")] - hzToSemitones(150)) < 0.1);
    assert.ok(f[idx("F0semitoneFrom27.5Hz_sma3nz_pctlrange0-2")] < 0.05);
    assert.ok(Math.abs(f[idx("VoicedSegmentsPerSec")] - 1 / 0.95) < 0.1);
  });

  it("returns null for no frames", () => {
    assert.equal(computeFunctionals(new Float32Array(0), 0), null);
  });

  it("drops voiced runs shorter than the minimum", () => {
    assert.deepEqual(Array.from(dropShortRuns(Float64Array.from([0, 1, 1, 0, 1, 1, 1, 0, 1]), 3)), [
      0,
      0,
      0,
      0,
      1,
      1,
      1,
      0,
      0,
    ]);
  });
});

describe("F0 outlier frames", () => {
  it("unvoices frames more than an octave from the median F0", () => {
    const x = Float64Array.from([0, 30, 31, 44, 32, 0, 17, 30.5]);
    assert.deepEqual(Array.from(dropF0Outliers(x, 12)), [0, 30, 31, 0, 32, 0, 0, 30.5]);
  });
});

describe("statistics", () => {
  it("interpolates percentiles at p·(n−1)", () => {
    const x = Float64Array.from([5, 1, 4, 2, 3]);
    assert.deepEqual(percentiles(x, [0, 0.2, 0.5, 0.8, 1]), [1, 1.8, 3, 4.2, 5]);
  });

  it("smooths with a 3-frame mean, skipping zeros when asked", () => {
    assert.deepEqual(Array.from(smooth3(Float64Array.from([3, 6, 9, 0, 3]), false)), [4.5, 6, 5, 4, 1.5]);
    assert.deepEqual(Array.from(smooth3(Float64Array.from([3, 6, 9, 0, 3]), true)), [4.5, 6, 7.5, 0, 3]);
  });

  it("measures slopes of a triangle wave in units per second", () => {
    // rises 0→10 over 10 frames (100 ms) and falls back: 100 units/s both ways
    const x = Float64Array.from({ length: 61 }, (_, i) => 10 - Math.abs((i % 20) - 10));
    const s = slopeStats(x, 0.01);
    assert.ok(Math.abs(s.meanRising - 100) < 1e-9 && Math.abs(s.meanFalling - 100) < 1e-9);
    assert.equal(s.peaks, 3);
  });

  it("computes openSMILE Peaks2 slopes including the pseudo-extremum at the start and the final stretch", () => {
    // 0 → 10 (frame 10) → 2 (frame 20) → 6 at the end (frame 30): rising 100/s from the start,
    // falling 80/s, and the end stretch (6 − 2)/0.1 s = 40/s counted as rising
    const x = Float64Array.from(
      { length: 31 },
      (_, i) => (i <= 10 ? i : i <= 20 ? 10 - 0.8 * (i - 10) : 2 + 0.4 * (i - 20)),
    );
    const s = peaks2Slopes(x, 0.01);
    assert.ok(Math.abs(s.meanRising - 70) < 1e-9, `rising ${s.meanRising}`);
    assert.ok(Math.abs(s.meanFalling - 80) < 1e-9, `falling ${s.meanFalling}`);
    // the standard deviation covers the slopes between extrema only, divided by the count with the end stretch
    assert.ok(Math.abs(s.stddevRising - Math.sqrt((100 - 70) ** 2 / 2)) < 1e-9, `sd ${s.stddevRising}`);
    assert.equal(s.stddevFalling, 0);
  });
});
