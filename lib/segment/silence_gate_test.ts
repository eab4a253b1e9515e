/**
 * The live VAD's silence gate: quiet frames in silence skip the model (probability 0, state
 * kept), the model's hangover after speech is never cut, loud frames always run, and the
 * speech of a real clip between stretches of digital silence is found as without the gate.
 */
import assert from "node:assert/strict";
import { decodeAudio } from "../media/decode.ts";
import { DATA_DIR } from "../testing/data.ts";
import { SILENCE_GATE_DBFS, SILENCE_GATE_MAX_PROB, SileroVad, VAD_FRAME_SAMPLES, VadStream } from "./silero_vad.ts";
import { VadSegmenter } from "./vad_segmenter.ts";

const CHUNK = 320; // 20 ms, as live audio arrives

async function stream(vad: SileroVad, x: Float32Array, gate: boolean) {
  const s = new VadStream(vad, 1e9, true, gate);
  const probs: number[] = [];
  const gatedBefore = vad.gatedFrames;
  for (let o = 0; o < x.length; o += CHUNK) {
    await s.push(x.subarray(o, Math.min(x.length, o + CHUNK)), (p) => probs.push(p), (e) => {
      throw e;
    });
  }
  return { probs, gated: vad.gatedFrames - gatedBefore };
}

function frameDbfs(x: Float32Array, k: number): number {
  let e = 0;
  for (let i = k * VAD_FRAME_SAMPLES; i < (k + 1) * VAD_FRAME_SAMPLES; i++) e += (x[i] ?? 0) ** 2;
  return 10 * Math.log10(e / VAD_FRAME_SAMPLES + 1e-20);
}

function utterances(probs: number[]): string[] {
  const seg = new VadSegmenter();
  const out: string[] = [];
  for (const p of probs) for (const ev of seg.push(p)) if (ev.kind === "end") out.push(`${ev.startMs}-${ev.endMs}`);
  return out;
}

Deno.test("silence gate: digital silence skips the model, speech and its hangover do not", async () => {
  const vad = await SileroVad.load();
  try {
    const clip = await decodeAudio(`${DATA_DIR}/voice/ravdess/Actor_01/03-01-05-02-01-01-01.flac`);
    const x = new Float32Array(16000 + clip.length + 32000);
    x.set(clip, 16000);
    const on = await stream(vad, x, true);
    const off = await stream(vad, x, false);
    assert.equal(on.probs.length, off.probs.length, "every frame gets a probability");
    assert.equal(off.gated, 0);
    // About half of this stream is digital silence: most of it is gated.
    assert.ok(on.gated > 0.4 * on.probs.length, `gated ${on.gated} of ${on.probs.length}`);
    let lastModelProb = 1;
    let gatedSeen = 0;
    for (let k = 0; k < on.probs.length; k++) {
      const quiet = frameDbfs(x, k) < SILENCE_GATE_DBFS;
      // A frame the gate answered: quiet, and the model's previous frame was silent. (The model
      // never returns exactly 0, so a 0 here is the gate's answer.)
      if (on.probs[k] === 0) {
        gatedSeen++;
        assert.ok(quiet, `frame ${k} gated at ${frameDbfs(x, k).toFixed(1)} dBFS`);
        assert.ok(lastModelProb < SILENCE_GATE_MAX_PROB, `frame ${k} gated during the hangover (${lastModelProb})`);
      } else lastModelProb = on.probs[k];
      if (!quiet) assert.notEqual(on.probs[k], 0, `loud frame ${k} went to the model`);
    }
    assert.equal(gatedSeen, on.gated);
    // The same speech is found, with the same span to within one frame at each end.
    const a = utterances(on.probs), b = utterances(off.probs);
    assert.equal(a.length, b.length, `${a} vs ${b}`);
    a.forEach((u, i) => {
      const [s1, e1] = u.split("-").map(Number), [s2, e2] = b[i].split("-").map(Number);
      assert.ok(Math.abs(s1 - s2) <= 32 && Math.abs(e1 - e2) <= 32, `${u} vs ${b[i]}`);
    });
  } finally {
    vad.close();
  }
});
