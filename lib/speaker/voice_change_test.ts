import assert from "node:assert/strict";
import { decodeAudio } from "../media/decode.ts";
import { DATA_DIR } from "../testing/data.ts";
import { deltaBic, VoiceChangeDetector, voicedFeatureFrames } from "./voice_change.ts";

const clip = (actor: number, name: string) =>
  `${DATA_DIR}/voice/ravdess/Actor_${String(actor).padStart(2, "0")}/${name}-${String(actor).padStart(2, "0")}.flac`;

Deno.test("VoiceChangeDetector marks the change from a female to a male actor and keeps each one's neutral statements together", async () => {
  const female = ["03-01-01-01-01-01", "03-01-01-01-01-02", "03-01-01-01-02-01"].map((n) => clip(2, n));
  const male = ["03-01-01-01-01-01", "03-01-01-01-01-02", "03-01-01-01-02-01"].map((n) => clip(1, n));
  const det = new VoiceChangeDetector();
  const decisions = [];
  for (const f of [...female, ...male]) decisions.push(det.push(await decodeAudio(f)));
  assert.deepEqual(decisions.map((d) => d.voiceId), [1, 1, 1, 2, 2, 2], JSON.stringify(decisions));
  assert.deepEqual(decisions.map((d) => d.change), [false, false, false, true, false, false]);
});

Deno.test("ΔBIC is larger between two actors than within one", async () => {
  const a1 = voicedFeatureFrames(await decodeAudio(clip(1, "03-01-01-01-01-01")));
  const a1b = voicedFeatureFrames(await decodeAudio(clip(1, "03-01-01-01-02-01")));
  const a2 = voicedFeatureFrames(await decodeAudio(clip(2, "03-01-01-01-01-01")));
  assert.ok(a1.length > 40 && a2.length > 40);
  assert.ok(deltaBic(a1, a2, 1.5) > deltaBic(a1, a1b, 1.5));
});
