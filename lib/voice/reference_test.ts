/**
 * The project's eGeMAPS against openSMILE 3.0's on real speech (../shared/data/reference):
 * per-feature correlation across a sample of clips, and F0 ranges per speaker sex. The full
 * table (all clips) is in docs/voice.md; this test guards it from regressing.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeAudio } from "../media/decode.ts";
import { EGEMAPS_FUNCTIONAL_NAMES } from "./functional_names.ts";
import { utteranceFeatures } from "./utterance_features.ts";

const DATA = "../shared/data";

function pearson(a: number[], b: number[]): number {
  const n = a.length, ma = a.reduce((s, v) => s + v) / n, mb = b.reduce((s, v) => s + v) / n;
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < n; i++) (ab += (a[i] - ma) * (b[i] - mb)), (aa += (a[i] - ma) ** 2), (bb += (b[i] - mb) ** 2);
  return ab / Math.sqrt(aa * bb);
}

describe("eGeMAPS vs openSMILE on real speech", () => {
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
      `features with r > 0.9: ${r.filter((v) => v > 0.9).length}/88, r > 0.7: ${r.filter((v) => v > 0.7).length}/88`,
    );
    // the core prosodic, energy, cepstral and spectral-balance features track openSMILE closely
    for (
      const name of [
        "F0semitoneFrom27.5Hz_sma3nz_amean",
        "F0semitoneFrom27.5Hz_sma3nz_percentile50.0",
        "loudness_sma3_amean",
        "loudness_sma3_percentile80.0",
        "loudness_sma3_meanRisingSlope",
        "spectralFlux_sma3_amean",
        "mfcc1_sma3_amean",
        "mfcc2_sma3_amean",
        "mfcc3_sma3_amean",
        "mfcc4_sma3_amean",
        "HNRdBACF_sma3nz_amean",
        "alphaRatioV_sma3nz_amean",
        "hammarbergIndexV_sma3nz_amean",
        "loudnessPeaksPerSec",
        "equivalentSoundLevel_dBp",
      ]
    ) assert.ok(byName[name] > 0.9, `${name}: r = ${byName[name].toFixed(3)}`);
    assert.ok(r.filter((v) => v > 0.9).length >= 30, "at least 30 features with r > 0.9");
    assert.ok(r.filter((v) => v > 0.5).length >= 50, "at least 50 features with r > 0.5");
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
