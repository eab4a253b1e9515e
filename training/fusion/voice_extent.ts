/**
 * The speech extent of every voice clip (first to last voiced 10 ms frame of the clean clip within
 * its cached VAD-trimmed span, frames [ceil(startMs/10), ceil(endMs/10)) as spanFeatures; `frames`
 * is the span's frame count and the indices are relative to the span's first frame), so
 * the robustness data can express voice coverage as the live stage does: voiced frames over the
 * utterance span, where the live span is the VAD's speech segment rather than the whole file with
 * its leading and trailing silence. voice_oof.py divides the voiced frames of each drop level by it.
 *
 *   deno run -A training/fusion/voice_extent.ts [--data ../shared/data]
 */
import { parseArgs } from "node:util";
import { decodeAudio } from "../../lib/media/decode.ts";
import { dropShortRuns, MIN_VOICED_FRAMES } from "../../lib/voice/functionals.ts";
import { extractLlds } from "../../lib/voice/lld_extractor.ts";
import { HOP_MS, LLD, LLD_COUNT } from "../../lib/voice/lld_names.ts";
import { defaultCacheDir } from "../voice/feature_cache.ts";
import { fusionCacheDir } from "./head_predictions.ts";

const { values } = parseArgs({ args: Deno.args, options: { data: { type: "string", default: "../shared/data" } } });
const cache = JSON.parse(await Deno.readTextFile(`${defaultCacheDir()}/voice_features.json`));
const out: Record<string, { frames: number; firstVoiced: number; lastVoiced: number }> = {};
for (const clip of cache.clips as { path: string; startMs: number; endMs: number }[]) {
  const llds = extractLlds(await decodeAudio(`${values.data}/${clip.path}`));
  const total = llds.length / LLD_COUNT;
  const from = Math.min(total, Math.ceil(clip.startMs / HOP_MS));
  const to = Math.min(total, Math.ceil(clip.endMs / HOP_MS));
  const frames = Math.max(0, to - from);
  const f0 = new Float64Array(frames);
  for (let t = 0; t < frames; t++) f0[t] = llds[(from + t) * LLD_COUNT + LLD.f0];
  dropShortRuns(f0, MIN_VOICED_FRAMES);
  let first = -1, last = -1;
  for (let t = 0; t < frames; t++) {
    if (f0[t] > 0) {
      if (first < 0) first = t;
      last = t;
    }
  }
  out[clip.path] = { frames, firstVoiced: first, lastVoiced: last };
}
const path = `${fusionCacheDir()}/voice_extent.json`;
await Deno.writeTextFile(path, JSON.stringify(out));
console.log(`voice extents of ${Object.keys(out).length} clips → ${path}`);
