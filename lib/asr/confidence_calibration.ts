/**
 * Maps pocketsphinx's word posterior to the measured probability that the word is right: a
 * monotone piecewise-linear map through isotonic-regression (pool-adjacent-violators) bin means,
 * fitted by training/asr/evaluate_asr.ts on RAVDESS odd actors and written to
 * asr_calibration.json, so that word and utterance confidences are reliabilities the fusion can
 * use as the text estimate's coverage.
 */
import calibration from "./asr_calibration.json" with { type: "json" };

/** Knots of the map: posterior → P(correct); x ascending. */
export interface CalibrationMap {
  x: number[];
  y: number[];
}

/** The fitted map shipped with the project. */
export const SPHINX_CALIBRATION: CalibrationMap = { x: calibration.map.x, y: calibration.map.y };

/** Applies a map (linear between knots, constant beyond the ends). */
export function calibrate(p: number, map: CalibrationMap = SPHINX_CALIBRATION): number {
  const { x, y } = map;
  if (x.length === 0) return p;
  if (p <= x[0]) return y[0];
  if (p >= x[x.length - 1]) return y[y.length - 1];
  let i = 1;
  while (x[i] < p) i++;
  const t = (p - x[i - 1]) / (x[i] - x[i - 1] || 1);
  return y[i - 1] + t * (y[i] - y[i - 1]);
}

/**
 * Isotonic regression of 0/1 outcomes on scores (pool adjacent violators, Ayer et al. 1955),
 * summarised as knots at each pooled block's mean score.
 */
export function fitIsotonic(scores: readonly number[], outcomes: readonly boolean[]): CalibrationMap {
  const order = scores.map((s, i) => [s, outcomes[i] ? 1 : 0] as const).sort((a, b) => a[0] - b[0]);
  const blocks: { sx: number; sy: number; n: number }[] = [];
  for (const [s, o] of order) {
    blocks.push({ sx: s, sy: o, n: 1 });
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1], a = blocks[blocks.length - 2];
      if (a.sy / a.n <= b.sy / b.n) break;
      blocks.splice(-2, 2, { sx: a.sx + b.sx, sy: a.sy + b.sy, n: a.n + b.n });
    }
  }
  return { x: blocks.map((b) => b.sx / b.n), y: blocks.map((b) => b.sy / b.n) };
}
