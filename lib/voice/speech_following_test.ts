/**
 * A voice stream told where the segmenter stands passes over the audio no utterance can cover,
 * yet gives every utterance the estimate and summary a stream analysing every frame gives.
 * Real speech (RAVDESS clips back to back), real Silero VAD and the live segmenter.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeAudio } from "../media/decode.ts";
import { DATA_DIR } from "../testing/data.ts";
import { SileroVad, VadStream } from "../segment/silero_vad.ts";
import { VadSegmenter } from "../segment/vad_segmenter.ts";
import { DEFAULT_MODELS_DIR } from "../engine/engine.ts";
import type { ModalityEstimate } from "../modality/estimate.ts";
import { VoiceModel } from "./voice_model.ts";
import { VoiceStream } from "./voice_stream.ts";

const CLIPS = [
  "03-01-01-01-01-01-03.flac",
  "03-01-04-02-02-01-03.flac",
  "03-01-05-02-01-02-03.flac",
  "03-01-03-01-02-02-03.flac",
  "03-01-06-02-01-01-03.flac",
  "03-01-08-01-02-01-03.flac",
];

interface Result {
  id: string;
  eager: ModalityEstimate | null;
  following: ModalityEstimate | null;
  eagerSummary: object | null;
  followingSummary: object | null;
}

async function run(gapMs: number) {
  const parts = await Promise.all(CLIPS.map((c) => decodeAudio(`${DATA_DIR}/voice/ravdess/Actor_03/${c}`)));
  const gap = new Float32Array(gapMs * 16);
  const total = parts.reduce((n, p) => n + p.length + gap.length, 0);
  const audio = new Float32Array(total);
  let o = 0;
  for (const p of parts) (audio.set(p, o), o += p.length + gap.length);
  const model = await VoiceModel.load(DEFAULT_MODELS_DIR);
  const eager = new VoiceStream(model, { deferMs: 0 });
  const following = new VoiceStream(model);
  const vad = new VadStream(await SileroVad.load(), 94, true);
  const seg = new VadSegmenter();
  const pending: Promise<Result>[] = [];
  let n = 0;
  const onEvents = (events: ReturnType<VadSegmenter["push"]>) => {
    for (const ev of events) {
      if (ev.kind !== "end" && ev.kind !== "partial") continue;
      const span = { utteranceId: `u${n++}`, startMs: ev.startMs, endMs: ev.endMs, final: ev.kind === "end" };
      // As the session does: the requests go out before the stream hears the segmenter moved on.
      const e = eager.analyze(span), f = following.analyze(span);
      const eagerSummary = eager.summary(span), followingSummary = following.summary(span);
      pending.push(
        Promise.all([e, f]).then(([a, b]) => ({
          id: span.utteranceId,
          eager: a,
          following: b,
          eagerSummary,
          followingSummary,
        })),
      );
    }
  };
  for (let i = 0; i < audio.length; i += 320) {
    const chunk = audio.subarray(i, i + 320);
    eager.push(chunk);
    following.push(chunk);
    await vad.push(chunk, (p) => {
      onEvents(seg.push(p));
      following.speech(seg.earliestStartMs, seg.inSpeech, seg.speechUntilMs);
    }, (err) => {
      throw err;
    });
  }
  onEvents(seg.flush());
  const results = await Promise.all(pending);
  vad.reset();
  return { results, frames: Math.floor(audio.length / 160), passedOver: following.passedOverFrames };
}

describe("voice analysis that follows the segmenter", () => {
  // Back to back, a clip's own leading and trailing silence is all there is to pass over (measured: 28 % of
  // the frames; 19 % before pauses after speech waited for the segmenter; with 1.5 s gaps 52 %, 44 % before).
  for (const [gapMs, least] of [[0, 0.25], [1500, 0.5]]) {
    it(`gives utterances the estimates of a full analysis and passes over silence (gap ${gapMs} ms)`, async () => {
      const { results, frames, passedOver } = await run(gapMs);
      const finals = results.filter((r) => r.eager !== null);
      assert.ok(finals.length >= 6, `estimates: ${finals.length}`);
      assert.ok(passedOver > least * frames, `passed over ${passedOver} of ${frames} frames`);
      for (const r of results) {
        assert.equal(r.following === null, r.eager === null, `${r.id}: one estimate missing`);
        if (r.eager && r.following) {
          for (let k = 0; k < r.eager.probs.length; k++) {
            assert.ok(Math.abs(r.eager.probs[k] - r.following.probs[k]) < 1e-4, `${r.id}: class ${k} differs`);
          }
          assert.equal(r.following.coverage, r.eager.coverage);
        }
        assert.deepEqual(r.followingSummary, r.eagerSummary, `${r.id}: summary differs`);
      }
    });
  }

  it("does not guess from audio it passed over (a span the segmenter found no speech in)", async () => {
    const audio = await decodeAudio(`${DATA_DIR}/voice/ravdess/Actor_03/${CLIPS[1]}`);
    const model = await VoiceModel.load(DEFAULT_MODELS_DIR);
    const eager = new VoiceStream(model, { deferMs: 0 });
    const following = new VoiceStream(model);
    const ms = Math.floor(audio.length / 16);
    for (let i = 0; i < audio.length; i += 320) {
      eager.push(audio.subarray(i, i + 320));
      following.push(audio.subarray(i, i + 320));
      following.speech((i + 320) / 16, false); // the segmenter heard no speech at all
    }
    const span = { utteranceId: "t", startMs: 0, endMs: ms, final: true };
    assert.ok(await eager.analyze(span), "the clip has speech");
    assert.ok(following.passedOverFrames > 0.8 * (ms / 10));
    assert.equal(await following.analyze(span), null);
    assert.equal(following.summary(span), null);
  });
});
