/**
 * Warms the voice path up at start: a throwaway stream analyses synthetic speech-like audio
 * (source-filter vowels at several pitches, with pauses and noise) until its cost per round
 * settles, so the optimising compiler has compiled feature extraction, the functionals and the
 * model call before the first participant speaks. Measured cold, the first seconds of audio cost
 * about 4× the warm rate (22.8 vs 5.4 ms per audio second) and the first analysis 33 ms instead
 * of 8: at server start, with every participant arriving at once, that backlog delayed the first
 * final estimates by up to 2 s.
 */
import { vowel } from "./synthetic_signals.ts";
import type { VoiceModel } from "./voice_model.ts";
import { VoiceStream } from "./voice_stream.ts";

/** Fewest rounds (about 2.4 s of audio each; 8 took about 0.5 s here). */
export const MIN_ROUNDS = 8;
/** Longest warm-up, in ms. */
export const VOICE_WARM_UP_MS = 1500;

let cached: Float32Array | undefined;

/** About 2.4 s of audio: vowels at 110–260 Hz with different formants, quiet noise between them. */
function warmUpAudio(): Float32Array {
  if (cached) return cached;
  const parts: Float32Array[] = [];
  let seed = 99;
  const noise = (ms: number, amp: number) =>
    Float32Array.from({ length: ms * 16 }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * amp);
  const vowels: [number, [number, number][]][] = [
    [110, [[730, 90], [1090, 110], [2440, 170]]],
    [160, [[270, 60], [2290, 100], [3010, 150]]],
    [210, [[570, 80], [840, 100], [2410, 160]]],
    [260, [[440, 70], [1020, 110], [2240, 150]]],
  ];
  for (const [f0Hz, formants] of vowels) {
    parts.push(vowel({ f0Hz, formants, ms: 400, jitter: 0.01, shimmerRatio: 0.9, peak: 0.25 }));
    parts.push(noise(200, 0.002));
  }
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), o += p.length);
  return (cached = out);
}

/**
 * Runs rounds (stream the audio in 20 ms chunks, one estimate, one summary) until a round costs
 * within 10 % of the cheapest so far after at least {@linkcode MIN_ROUNDS}, or `maxMs` has passed (at least one round). Returns the rounds run.
 */
export async function warmUpVoice(model: VoiceModel, maxMs = VOICE_WARM_UP_MS): Promise<number> {
  const audio = warmUpAudio();
  const t0 = performance.now();
  let best = Infinity, rounds = 0;
  do {
    const t = performance.now();
    const s = new VoiceStream(model);
    for (let o = 0; o + 320 <= audio.length; o += 320) s.push(audio.subarray(o, o + 320));
    const span = { utteranceId: "warm-up", startMs: 0, endMs: audio.length / 16, final: false };
    await s.analyze(span);
    s.summary(span);
    s.release();
    rounds++;
    const ms = performance.now() - t;
    if (rounds >= MIN_ROUNDS && ms <= best * 1.1) break;
    best = Math.min(best, ms);
  } while (performance.now() - t0 < maxMs);
  return rounds;
}
