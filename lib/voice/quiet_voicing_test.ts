/**
 * Voicing that does not depend on level: quiet real speech keeps its voice, normal-level speech
 * keeps exactly the features the voice model was trained on, and digital silence stays unvoiced.
 */
import assert from "node:assert/strict";
import { decodeAudio } from "../media/decode.ts";
import { DATA_DIR } from "../testing/data.ts";
import { extractLlds } from "./lld_extractor.ts";
import { LLD, LLD_COUNT } from "./lld_names.ts";

function voicedRatio(llds: Float32Array): number {
  const n = llds.length / LLD_COUNT;
  let v = 0;
  for (let t = 0; t < n; t++) if (llds[t * LLD_COUNT + LLD.f0] > 0) v++;
  return v / n;
}

Deno.test("quiet acted speech (−54 dBFS active level) is voiced like the same speech at normal level", async () => {
  // RAVDESS actor 9, sad, normal intensity: among the corpus's quietest clips.
  const x = await decodeAudio(`${DATA_DIR}/voice/ravdess/Actor_09/03-01-04-01-02-01-09.flac`);
  const absolute = voicedRatio(extractLlds(x, { pitch: { relativeFloor: false } }));
  const relative = voicedRatio(extractLlds(x));
  const louder = voicedRatio(extractLlds(x.map((v) => v * 30), { pitch: { relativeFloor: false } }));
  assert.ok(absolute < 0.15, `absolute floor: ${absolute}`);
  // Measured: 0.096 with the absolute floor, 0.185 relative, 0.218 for the clip made 30× louder.
  assert.ok(relative > 0.15, `relative floor: ${relative}`);
  assert.ok(Math.abs(relative - louder) < 0.1, `relative ${relative} vs the clip ×30 ${louder}`);
});

Deno.test("normal-level speech gets exactly the same LLDs with the level-relative floor", async () => {
  for (const clip of ["voice/ravdess/Actor_08/03-01-06-02-02-02-08.flac", "voice/emodb/03a01Fa.flac"]) {
    const x = await decodeAudio(`${DATA_DIR}/${clip}`);
    assert.deepEqual(extractLlds(x), extractLlds(x, { pitch: { relativeFloor: false } }), clip);
  }
});

Deno.test("digital silence and near-silence stay unvoiced", () => {
  assert.equal(voicedRatio(extractLlds(new Float32Array(32000))), 0);
  let seed = 7;
  const dither = Float32Array.from(
    { length: 32000 },
    () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) / 32768,
  );
  assert.equal(voicedRatio(extractLlds(dither)), 0);
});

Deno.test("LldExtractor.skip keeps the frame clock: frames after a gap line up with an unbroken stream", async () => {
  const { LldExtractor } = await import("./lld_extractor.ts");
  const x = await decodeAudio(`${DATA_DIR}/voice/ravdess/Actor_08/03-01-06-02-02-02-08.flac`);
  const full = extractLlds(x);
  const ex = new LldExtractor();
  const got: { t: number; f0: number }[] = [];
  const sink = (l: Float32Array, t: number) => got.push({ t, f0: l[LLD.f0] });
  const gapAt = 16000, gap = 8003; // not a whole number of hops
  ex.push(x.subarray(0, gapAt), sink);
  ex.skip(gap, sink);
  ex.push(x.subarray(gapAt + gap), sink);
  const n = full.length / LLD_COUNT;
  assert.deepEqual(got.map((g) => g.t), Array.from({ length: got.length }, (_, i) => i));
  assert.ok(Math.abs(got.length - n) <= 1, `${got.length} vs ${n}`);
  // Well after the gap the analysis matches the unbroken stream's.
  const late = got.filter((g) => g.t > (gapAt + gap) / 160 + 20 && g.t < n);
  const agree = late.filter((g) => (g.f0 > 0) === (full[g.t * LLD_COUNT + LLD.f0] > 0)).length / late.length;
  assert.ok(agree > 0.95, `voicing agreement after the gap ${agree}`);
});

Deno.test("a digitally silent span gets no voice estimate, even with minVoicedMs 0 (analyze's setting)", async () => {
  const { VoiceModel } = await import("./voice_model.ts");
  const { VoiceStream } = await import("./voice_stream.ts");
  const model = await VoiceModel.load("models");
  const s = new VoiceStream(model, { minVoicedMs: 0 });
  s.push(new Float32Array(32000));
  const span = { utteranceId: "u", startMs: 0, endMs: 2000, final: true };
  assert.equal(await s.analyze(span), null);
  assert.ok(s.summary(span)!.levelDb <= -90);
});
