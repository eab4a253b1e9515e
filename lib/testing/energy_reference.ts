/**
 * An energy-based speech-extent reference for tests: 10 ms frame RMS in dB; speech where it is
 * within `rangeDb` of the clip's peak and above its noise floor (10th percentile) plus a margin,
 * in runs of at least `minRunMs` (isolated clicks and lip smacks do not count).
 */

/** Frame levels in dBFS, one per 10 ms. */
export function frameLevelsDb(samples: Float32Array, sampleRate = 16000): number[] {
  const hop = Math.round(sampleRate / 100);
  const db: number[] = [];
  for (let i = 0; i + hop <= samples.length; i += hop) {
    let s = 0;
    for (let j = i; j < i + hop; j++) s += samples[j] * samples[j];
    db.push(10 * Math.log10(s / hop + 1e-12));
  }
  return db;
}

/** First and last speech frame by energy, in ms; null if the clip is silent. */
export function energySpeechExtent(
  samples: Float32Array,
  sampleRate = 16000,
  options: { marginDb?: number; rangeDb?: number; minRunMs?: number } = {},
): { startMs: number; endMs: number } | null {
  const db = frameLevelsDb(samples, sampleRate);
  if (db.length === 0) return null;
  const sorted = [...db].sort((a, b) => a - b);
  const floor = sorted[Math.floor(0.1 * sorted.length)];
  const peak = sorted[sorted.length - 1];
  const threshold = Math.max(floor + (options.marginDb ?? 15), peak - (options.rangeDb ?? 25));
  const minRun = Math.ceil((options.minRunMs ?? 50) / 10);
  let first = -1, last = -1, runStart = -1;
  for (let i = 0; i <= db.length; i++) {
    const above = i < db.length && db[i] >= threshold;
    if (above && runStart < 0) runStart = i;
    if (!above && runStart >= 0) {
      if (i - runStart >= minRun) {
        if (first < 0) first = runStart;
        last = i - 1;
      }
      runStart = -1;
    }
  }
  return first < 0 ? null : { startMs: first * 10, endMs: (last + 1) * 10 };
}
