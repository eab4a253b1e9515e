import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { extractLlds, hzToSemitones, LldExtractor } from "./lld_extractor.ts";
import { LLD, LLD_COUNT } from "./lld_names.ts";
import { tone, vowel } from "./synthetic_signals.ts";

/** Column j over frames [from, to). */
function col(llds: Float32Array, j: number, from = 5, to = llds.length / LLD_COUNT - 5): number[] {
  const out: number[] = [];
  for (let t = from; t < to; t++) out.push(llds[t * LLD_COUNT + j]);
  return out;
}
const avg = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;

describe("LldExtractor", () => {
  it("finds a 200 Hz tone's F0 within 0.1 semitone in every frame", () => {
    const f0 = col(extractLlds(tone(200, 0.3, 1000)), LLD.f0);
    const want = hzToSemitones(200);
    for (const v of f0) assert.ok(Math.abs(v - want) < 0.1, `F0 ${v} vs ${want}`);
  });

  it("finds F0 across the eGeMAPS range (80, 150, 300, 500 Hz)", () => {
    for (const hz of [80, 150, 300, 500]) {
      const f0 = col(extractLlds(vowel({ f0Hz: hz, formants: [[700, 100], [1200, 100]], ms: 600 })), LLD.f0);
      assert.ok(Math.abs(avg(f0) - hzToSemitones(hz)) < 0.2, `${hz} Hz: ${avg(f0)}`);
    }
  });

  it("scales loudness with amplitude^0.66 (cube-root compression of power)", () => {
    const a = avg(col(extractLlds(tone(440, 0.05, 600)), LLD.loudness));
    const b = avg(col(extractLlds(tone(440, 0.1, 600)), LLD.loudness));
    assert.ok(Math.abs(b / a - 2 ** 0.66) < 0.02, `ratio ${b / a}`);
  });

  it("marks silence and white noise unvoiced without NaNs", () => {
    const noise = Float32Array.from({ length: 16000 }, () => 0.1 * (Math.random() * 2 - 1));
    for (const sig of [new Float32Array(16000), noise]) {
      const ll = extractLlds(sig);
      assert.ok(ll.every(Number.isFinite));
      const voiced = col(ll, LLD.f0).filter((v) => v > 0).length;
      assert.ok(voiced <= 2, `${voiced} voiced frames`);
    }
  });

  it("finds a source-filter vowel's formants with the textbook LPC tracker", () => {
    const median = (x: number[]) => x.slice().sort((a, b) => a - b)[Math.floor(x.length / 2)];
    for (const formants of [[[700, 80], [1200, 90], [2600, 120]], [[300, 60], [2300, 100], [3000, 120]]]) {
      const ll = extractLlds(vowel({ f0Hz: 125, formants: formants as [number, number][], ms: 800 }));
      formants.forEach(([hz], i) => {
        const est = median(col(ll, LLD.f1Lpc + 3 * i));
        // LPC of a harmonic spectrum leans towards the nearest harmonic (a low F1 of 300 Hz reads ≈ 366 Hz,
        // near the 375 Hz harmonic of F0 = 125 Hz), so the tolerance is 8 % or 80 Hz, whichever is larger
        assert.ok(Math.abs(est - hz) < Math.max(0.08 * hz, 80), `F${i + 1} ${est.toFixed(0)} Hz vs ${hz} Hz`);
      });
      // H1–H2 of a voiced frame is finite and the amplitude of the harmonic under F1 is stated relative to H1
      const h1h2 = col(ll, LLD.h1h2Harmonic);
      assert.ok(h1h2.every((v) => Number.isFinite(v) && Math.abs(v) < 40));
      assert.ok(col(ll, LLD.f1Lpc + 2).every((v) => v !== 0));
    }
    // unvoiced frames (silence) hold 0 in the harmonic-based extras
    const quiet = extractLlds(new Float32Array(8000));
    assert.deepEqual([...new Set(col(quiet, LLD.h1h2Harmonic).concat(col(quiet, LLD.f1Lpc + 2)))], [0]);
  });

  it("measures a pulse train's jitter and shimmer by waveform matching", () => {
    // 125 Hz = 128 samples exactly, so the clean train has no rounding jitter
    const clean = extractLlds(vowel({ f0Hz: 125, formants: [[500, 80]], ms: 800 }));
    assert.ok(avg(col(clean, LLD.jitter)) < 0.002);
    assert.ok(avg(col(clean, LLD.shimmer)) < 0.1);
    // periods of T(1 ± j) with random signs; pulse amplitudes 0 or −2 dB, which openSMILE's
    // definition, 20·log10(1 + mean|ΔA|/mean A), puts near 20·log10(1 + 0.5·0.21/0.9) ≈ 0.95 dB
    const measure = (j: number, shimmerRatio = 1) => {
      const ll = extractLlds(vowel({ f0Hz: 125, formants: [[500, 80]], ms: 1500, jitter: j, shimmerRatio }));
      return { jit: avg(col(ll, LLD.jitter)), shim: avg(col(ll, LLD.shimmer)) };
    };
    const a = measure(1 / 64), b = measure(1 / 32), c = measure(1 / 64, 10 ** (-2 / 20));
    // correlation-matched periods smooth small period changes, so jitter grows faster than j
    assert.ok(a.jit > 0.002 && a.jit < 1.5 / 64, `jitter ${a.jit}`);
    assert.ok(b.jit / a.jit > 2 && b.jit < 0.1, `jitter ratio ${b.jit / a.jit}`);
    assert.ok(a.shim < 0.15, `shimmer without amplitude changes ${a.shim} dB`);
    assert.ok(c.shim > 0.5 && c.shim < 1.2, `shimmer ${c.shim} dB`);
  });

  it("gives unvoiced frames −201 dB formant amplitudes and zero voice-quality values", () => {
    const ll = extractLlds(new Float32Array(8000));
    for (let t = 0; t < ll.length / LLD_COUNT; t++) {
      for (const j of [LLD.f1 + 2, LLD.f1 + 5, LLD.f1 + 8]) assert.equal(ll[t * LLD_COUNT + j], -201);
      for (const j of [LLD.f0, LLD.jitter, LLD.shimmer, LLD.hnr, LLD.h1h2, LLD.h1a3]) {
        assert.equal(ll[t * LLD_COUNT + j], 0);
      }
    }
  });

  it("gives identical frames whatever the chunking", () => {
    const sig = vowel({ f0Hz: 140, formants: [[600, 90], [1700, 100]], ms: 900 });
    const whole = extractLlds(sig);
    const ex = new LldExtractor();
    const parts: Float32Array[] = [];
    let i = 0, k = 1;
    while (i < sig.length) {
      const n = Math.min(sig.length - i, 37 * k++ % 700 + 1);
      ex.push(sig.subarray(i, i + n), (lld) => parts.push(lld.slice()));
      i += n;
    }
    assert.equal(parts.length * LLD_COUNT, whole.length);
    parts.forEach((p, t) => assert.deepEqual(p, whole.subarray(t * LLD_COUNT, (t + 1) * LLD_COUNT)));
  });
});
