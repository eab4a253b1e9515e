/**
 * Voice under packet loss, for the robustness curves: every clip of the voice feature cache is
 * decoded, 20 ms packets are zeroed independently at each DROP_LEVELS rate over the whole clip (what
 * a jitter buffer without concealment plays for a lost packet), and the live feature code recomputes
 * the functionals and the voiced share over the clip's cached VAD-trimmed span (startMs/endMs, as the
 * cache and the voice model since @2; the stage's coverage: voiced frames / span frames). Below
 * 250 ms of voiced audio the live stage gives no estimate: `features` is null then.
 * voice_oof.py scores these features with its out-of-fold models.
 *
 *   deno run -A training/fusion/voice_drops.ts [--data ../shared/data]
 */
import { parseArgs } from "node:util";
import { decodeAudio } from "../../lib/media/decode.ts";
import { spanFeatures } from "../../lib/voice/utterance_features.ts";
import { defaultCacheDir } from "../voice/feature_cache.ts";
import { rng } from "./combinations.ts";
import { DROP_LEVELS, fusionCacheDir } from "./head_predictions.ts";

/** Samples per dropped packet (20 ms at 16 kHz). */
const PACKET_SAMPLES = 320;
/** Least voiced audio for a live voice estimate, in 10 ms frames (VoiceStream minVoicedMs 250). */
const MIN_VOICED_FRAMES = 25;

const { values } = parseArgs({ args: Deno.args, options: { data: { type: "string", default: "../shared/data" } } });
const cache = JSON.parse(await Deno.readTextFile(`${defaultCacheDir()}/voice_features.json`));
const next = rng(21);
const out: { path: string; features: (number[] | null)[]; coverage: number[] }[] = [];
let maxDiff = 0;
const t0 = performance.now();
for (
  const [n, clip] of (cache.clips as { path: string; features: number[]; startMs: number; endMs: number }[]).entries()
) {
  const audio = await decodeAudio(`${values.data}/${clip.path}`);
  const rec = { path: clip.path, features: [] as (number[] | null)[], coverage: [] as number[] };
  for (const level of DROP_LEVELS) {
    const x = audio.slice();
    if (level > 0) {
      for (let s = 0; s < x.length; s += PACKET_SAMPLES) if (next() < level) x.fill(0, s, s + PACKET_SAMPLES);
    }
    // packets dropped over the whole clip; features over the cached VAD-trimmed span (as the cache)
    const u = spanFeatures(x, { startMs: clip.startMs, endMs: clip.endMs });
    const voicedFrames = u ? u.voicedRatio * u.frames : 0;
    rec.coverage.push(u ? Math.round(u.voicedRatio * 1e4) / 1e4 : 0);
    rec.features.push(u && voicedFrames >= MIN_VOICED_FRAMES ? Array.from(u.features) : null);
  }
  // level 0 must reproduce the training cache (same code, same audio)
  if (rec.features[0]) clip.features.forEach((v, i) => maxDiff = Math.max(maxDiff, Math.abs(v - rec.features[0]![i])));
  out.push(rec);
  if (n % 100 === 0) console.error(`${n}/${cache.clips.length} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}
await Deno.mkdir(fusionCacheDir(), { recursive: true });
const path = `${fusionCacheDir()}/voice_drops.json`;
await Deno.writeTextFile(path, JSON.stringify({ levels: DROP_LEVELS, packetMs: 20, clips: out }));
console.log(
  `voice drops: ${out.length} clips × ${DROP_LEVELS.length} levels; level-0 max |Δfeature| vs cache ${
    maxDiff.toExponential(2)
  } → ${path}`,
);
