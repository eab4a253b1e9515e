import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeAudio } from "../media/decode.ts";
import { OnnxModel, ort } from "../inference/onnx_model.ts";
import { LldExtractor } from "./lld_extractor.ts";
import { HOP_MS, LLD_COUNT } from "./lld_names.ts";
import { SileroVad } from "../segment/silero_vad.ts";
import { trimmedSpan } from "../segment/utterance_detector.ts";
import { computeFunctionals } from "./functionals.ts";
import { normalizeWith } from "./speaker_normalizer.ts";
import { VoiceModel } from "./voice_model.ts";
import { VoiceStream } from "./voice_stream.ts";

interface FixtureClip {
  path: string;
  rawFeatures: number[];
  mean: number[];
  variance: number[];
  input: number[];
  logits: number[];
}
const fixture = JSON.parse(Deno.readTextFileSync(new URL("./testdata/voice_parity.json", import.meta.url))) as {
  tolerance: number;
  clips: FixtureClip[];
};
const DATA = "../shared/data";

const vad = await SileroVad.load();

/**
 * Live path: chunked push through the streaming extractor, then functionals over the span VAD
 * keeps (the silence at the clip's ends trimmed, as `analyze` and the training cache do).
 */
async function liveFeatures(path: string): Promise<Float64Array> {
  const audio = await decodeAudio(`${DATA}/${path}`);
  const span = await trimmedSpan(vad, audio);
  const ex = new LldExtractor();
  const frames: Float32Array[] = [];
  for (let i = 0; i < audio.length; i += 480) ex.push(audio.subarray(i, i + 480), (l) => frames.push(l.slice()));
  const from = Math.ceil(span.startMs / HOP_MS), to = Math.min(frames.length, Math.ceil(span.endMs / HOP_MS));
  const llds = new Float32Array((to - from) * LLD_COUNT);
  frames.slice(from, to).forEach((f, t) => llds.set(f, t * LLD_COUNT));
  return computeFunctionals(llds, to - from)!;
}

describe("voice model parity (ONNX in Deno vs PyTorch)", () => {
  it("gives PyTorch's logits within 1e-4 on features from the live path", async () => {
    const model = await VoiceModel.load("models");
    const onnx = await OnnxModel.load("models/voice_emotion.onnx", { inputs: ["features"], outputs: ["logits"] });
    assert.ok(fixture.clips.length >= 3);
    for (const clip of fixture.clips) {
      const live = await liveFeatures(clip.path);
      // The fixture's features came from a float64 FFT; the live path's FFT computes in float32
      // (lib/voice/real_fft.ts): measured within 1.2e-6 relative, inputs within 3.6e-5, logits 1.4e-5.
      live.forEach((v, i) =>
        assert.ok(Math.abs(v - clip.rawFeatures[i]) <= 1e-5 * Math.max(1, Math.abs(v)), `${clip.path} f${i}`)
      );
      const x = model.featureIndices.map((i) => live[i]);
      const input = normalizeWith(x, clip.mean, clip.variance, model.normalization.clip);
      input.forEach((v, i) => assert.ok(Math.abs(v - clip.input[i]) < 1e-4, `${clip.path} input ${i}`));
      const out = await onnx.run({ features: new ort.Tensor("float32", input, [1, input.length]) });
      const logits = out.logits.data as Float32Array;
      logits.forEach((v, i) =>
        assert.ok(
          Math.abs(v - clip.logits[i]) < fixture.tolerance,
          `${clip.path} logit ${i}: ${v} vs ${clip.logits[i]}`,
        )
      );
    }
    await onnx.release();
    await model.release();
  });
});

describe("VoiceStream", () => {
  it("estimates a whole pushed utterance and learns the speaker from final spans", async () => {
    const model = await VoiceModel.load("models");
    const stream = new VoiceStream(model);
    const audio = await decodeAudio(`${DATA}/voice/emodb/03a01Wa.flac`);
    for (let i = 0; i < audio.length; i += 320) stream.push(audio.subarray(i, i + 320));
    const span = { utteranceId: "u1", startMs: 0, endMs: (audio.length / 16000) * 1000, final: true };
    const est = (await stream.analyze(span))!;
    assert.equal(est.modality, "voice");
    assert.equal(est.model, `voice_emotion@${model.card.version}`);
    assert.ok(Math.abs(est.probs.reduce((s, p) => s + p, 0) - 1) < 1e-6);
    assert.ok(est.coverage > 0.2 && est.coverage <= 1);
    assert.ok(est.valence >= -1 && est.valence <= 1 && est.arousal >= -1 && est.arousal <= 1);
    assert.equal(stream.speakerUtterances, 1);
    const sum = stream.summary(span)!;
    assert.ok(sum.f0MeanHz! > 70 && sum.f0MeanHz! < 250, `male F0 ${sum.f0MeanHz}`);
    stream.release();
    assert.throws(() => stream.push(new Float32Array(10)));
    await model.release();
  });

  it("returns null for silence and keeps memory bounded over a long call", async () => {
    const model = await VoiceModel.load("models");
    const stream = new VoiceStream(model, { historyMs: 5000 });
    for (let i = 0; i < 200; i++) stream.push(new Float32Array(1600)); // 20 s
    assert.equal(await stream.analyze({ utteranceId: "s", startMs: 17000, endMs: 19000, final: true }), null);
    assert.equal(stream.speakerUtterances, 0);
    stream.release();
    await model.release();
  });
});
