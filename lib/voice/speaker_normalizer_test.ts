import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SpeakerNormalizer } from "./speaker_normalizer.ts";
import { LldRing } from "./lld_ring.ts";
import { LLD_COUNT } from "./lld_names.ts";

describe("SpeakerNormalizer", () => {
  const opts = { priorMean: [10, 0], priorVariance: [4, 1], shrinkage: 2, clip: 5 };

  it("uses the prior alone before any utterance", () => {
    const n = new SpeakerNormalizer(opts);
    assert.deepEqual(Array.from(n.normalize([12, 1])), [1, 1]);
  });

  it("shrinks the speaker's statistics towards the prior with k pseudo-utterances", () => {
    const n = new SpeakerNormalizer(opts);
    for (const x of [[20, 1], [22, 3]]) n.update(x);
    const { mean, variance } = n.stats();
    // m_s = 21, v_s = 1 → mean = (2·21 + 2·10)/4 = 15.5, var = (2·1 + 2·4)/4 = 2.5
    assert.ok(Math.abs(mean[0] - 15.5) < 1e-12 && Math.abs(variance[0] - 2.5) < 1e-12);
    assert.equal(n.count, 2);
  });

  it("clips extreme z-scores and rejects bad options", () => {
    assert.deepEqual(Array.from(new SpeakerNormalizer(opts).normalize([1000, -1000])), [5, -5]);
    assert.throws(() => new SpeakerNormalizer({ ...opts, priorVariance: [0, 1] }), RangeError);
    assert.throws(() => new SpeakerNormalizer({ ...opts, clip: 0 }), RangeError);
  });
});

describe("LldRing", () => {
  it("keeps only the last `capacity` frames and slices by absolute index", () => {
    const ring = new LldRing(4);
    for (let t = 0; t < 10; t++) ring.append(new Float32Array(LLD_COUNT).fill(t));
    assert.equal(ring.start, 6);
    const { llds, frames, first } = ring.slice(0, 9);
    assert.equal(first, 6);
    assert.equal(frames, 3);
    assert.deepEqual([llds[0], llds[LLD_COUNT], llds[2 * LLD_COUNT]], [6, 7, 8]);
  });
});
