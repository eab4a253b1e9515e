/**
 * Label-matched combinations of unimodal validation samples: no corpus here has voice, face and
 * text of the same utterance, so a "trimodal utterance" is built by drawing one validation sample
 * of each head *with the same reference class*. This makes the modalities conditionally
 * independent given the class by construction, which real aligned data is not (an ambiguous
 * utterance tends to be ambiguous in every channel): fusion gains measured here are an upper
 * bound, and docs/fusion.md says so.
 *
 * Samples are split into two halves by their group (speaker, dialogue, image), so a combination
 * used to fit the fusion never shares a speaker, dialogue or image with one used to test it.
 */
import { NUM_EMOTIONS } from "../../lib/emotion/labels.ts";
import type { Modality } from "../../lib/modality/estimate.ts";
import type { HeadSample } from "./head_predictions.ts";

/** A deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Half (0 or 1) of a group: FNV-1a hash of its name, so the split is stable across runs. */
export function halfOf(group: string): 0 | 1 {
  let h = 0x811c9dc5;
  for (let i = 0; i < group.length; i++) h = Math.imul(h ^ group.charCodeAt(i), 0x01000193) >>> 0;
  return (h & 1) as 0 | 1;
}

/** One combination: the reference class and one sample index per modality. */
export interface Combination {
  label: number;
  half: 0 | 1;
  index: Record<Modality, number>;
}

function shuffle<T>(xs: T[], next: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/**
 * Builds combinations per half and class: as many as the largest of the three pools (capped at
 * `perClass`), each pool walked in a shuffled cycle so every sample is used and the rarer pools'
 * samples are reused. Classes missing from any head's half are skipped.
 */
export function buildCombinations(
  heads: Record<Modality, HeadSample[]>,
  options: { perClass: number; seed: number },
): Combination[] {
  const next = rng(options.seed);
  const out: Combination[] = [];
  for (const half of [0, 1] as const) {
    for (let k = 0; k < NUM_EMOTIONS; k++) {
      const pools = {} as Record<Modality, number[]>;
      for (const m of ["voice", "face", "text"] as const) {
        pools[m] = shuffle(
          heads[m].map((s, i) => ({ s, i })).filter(({ s }) => s.label === k && halfOf(s.group) === half).map(({ i }) =>
            i
          ),
          next,
        );
      }
      const sizes = Object.values(pools).map((p) => p.length);
      if (Math.min(...sizes) === 0) continue;
      const n = Math.min(options.perClass, Math.max(...sizes));
      for (let j = 0; j < n; j++) {
        out.push({
          label: k,
          half,
          index: {
            voice: pools.voice[j % pools.voice.length],
            face: pools.face[j % pools.face.length],
            text: pools.text[j % pools.text.length],
          },
        });
      }
    }
  }
  return out;
}
