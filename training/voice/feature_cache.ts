/**
 * The voice feature cache: the project's own features (lib/voice, the live code path) for
 * every labelled clip, stored outside the repository as one JSON file. Entries are reused
 * while the feature code is unchanged (keyed by a hash of lib/voice's sources).
 */
import { decodeAudio } from "../../lib/media/decode.ts";
import { FEATURE_NAMES } from "../../lib/voice/functional_names.ts";
import { spanFeatures } from "../../lib/voice/utterance_features.ts";
import { SileroVad } from "../../lib/segment/silero_vad.ts";
import { trimmedSpan } from "../../lib/segment/utterance_detector.ts";
import { listVoiceClips, type VoiceClip } from "./corpus.ts";

/** One cached clip. */
export interface CachedClip extends VoiceClip {
  durationMs: number;
  /** The analysed span (silence at the ends trimmed by VAD), in ms. */
  startMs: number;
  endMs: number;
  /** Voiced fraction of the span's frames. */
  voicedRatio: number;
  features: number[];
}

/** The cache file's content. */
export interface FeatureCache {
  codeHash: string;
  featureNames: readonly string[];
  clips: CachedClip[];
}

/** Default cache folder: `~/.cache/affectstream/voice`. */
export function defaultCacheDir(): string {
  return `${Deno.env.get("HOME") ?? "."}/.cache/affectstream/voice`;
}

/** The lib/voice sources that determine the feature values (model and stream code excluded). */
export const FEATURE_SOURCES = [
  "functional_names.ts",
  "functionals.ts",
  "harmonic_peaks.ts",
  "jitter_shimmer.ts",
  "lld_extractor.ts",
  "lld_names.ts",
  "lpc_formants.ts",
  "mel_filterbank.ts",
  "pitch_analyzer.ts",
  "short_frame_analyzer.ts",
  "statistics.ts",
  "utterance_features.ts",
];

/** SHA-256 over the feature code, so a stale cache is recomputed. */
export async function featureCodeHash(): Promise<string> {
  const dir = new URL("../../lib/voice/", import.meta.url);
  const text = FEATURE_SOURCES.map((n) => n + "\0" + Deno.readTextFileSync(new URL(n, dir))).join("\0") +
    // The analysed span comes from the VAD trimming, so its code is part of the features too.
    "\0" + Deno.readTextFileSync(new URL("../segment/utterance_detector.ts", dir));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("").slice(0, 16);
}

/** Options for {@linkcode buildFeatureCache}. */
export interface BuildFeatureCacheOptions {
  /** Folder holding `voice/` (the shared data folder). */
  dataDir: string;
  /** Where `voice_features.json` is written. Default {@linkcode defaultCacheDir}. */
  cacheDir?: string;
  /** Called after each clip with (done, total). */
  onProgress?: (done: number, total: number) => void;
  /** Clips decoded concurrently (ffmpeg processes). Default 2. */
  concurrency?: number;
}

/** Computes (or refreshes) the cache and returns the path of the cache file. */
export async function buildFeatureCache(options: BuildFeatureCacheOptions): Promise<string> {
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const file = `${cacheDir}/voice_features.json`;
  const codeHash = await featureCodeHash();
  let old = new Map<string, CachedClip>();
  try {
    const prev = JSON.parse(await Deno.readTextFile(file)) as FeatureCache;
    if (prev.codeHash === codeHash) old = new Map(prev.clips.map((c) => [c.path, c]));
  } catch { /* no usable cache */ }
  const clips = listVoiceClips(options.dataDir).filter((c) => c.label !== null);
  if (clips.length === 0) throw new Error(`no labelled clips under ${options.dataDir}/voice`);
  const out: CachedClip[] = new Array(clips.length);
  const vad = await SileroVad.load();
  let next = 0, done = 0;
  const worker = async () => {
    while (next < clips.length) {
      const i = next++;
      const clip = clips[i];
      const cached = old.get(clip.path);
      if (cached) out[i] = { ...cached, ...clip };
      else {
        const audio = await decodeAudio(`${options.dataDir}/${clip.path}`);
        // The span `analyze` uses for a clip: VAD trims the silence at its ends (lib/segment).
        const span = await trimmedSpan(vad, audio);
        const u = spanFeatures(audio, span);
        if (!u) throw new Error(`${clip.path}: too short for features`);
        out[i] = {
          ...clip,
          durationMs: audio.length / 16,
          startMs: span.startMs,
          endMs: span.endMs,
          voicedRatio: u.voicedRatio,
          features: Array.from(u.features),
        };
      }
      options.onProgress?.(++done, clips.length);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 2 }, worker));
  vad.close();
  await Deno.mkdir(cacheDir, { recursive: true });
  const cache: FeatureCache = { codeHash, featureNames: FEATURE_NAMES, clips: out };
  await Deno.writeTextFile(file, JSON.stringify(cache));
  return file;
}
