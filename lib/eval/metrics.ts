/**
 * Classification metrics of the evaluation report, over the project's seven classes:
 * accuracy, unweighted average recall (UAR, the mean of per-class recalls, the usual speech
 * emotion figure), support-weighted F1, per-class recall, expected calibration error and the
 * confusion matrix.
 */
import { EMOTIONS, NUM_EMOTIONS } from "../emotion/labels.ts";

/** Bins of the expected calibration error (Guo et al. 2017 use 15). */
export const ECE_BINS = 15;

/** Metrics of one system (a modality or the fusion) on the items it answered. */
export interface ClassificationMetrics {
  /** Items scored. */
  n: number;
  accuracy: number;
  /** Mean recall over the classes present in the references. */
  uar: number;
  weightedF1: number;
  /** Recall per class (null when the class has no reference item). */
  recall: Record<string, number | null>;
  /** Expected calibration error of the max-probability confidence, 15 equal-width bins. */
  ece: number;
  /** Mean max probability. */
  meanConfidence: number;
  /** confusion[true][predicted], EMOTIONS order. */
  confusion: number[][];
}

/** Index of the largest entry. */
export function argmax(p: ArrayLike<number>): number {
  let b = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[b]) b = i;
  return b;
}

/** Expected calibration error (Guo et al. 2017): Σ_b |B_b|/n · |acc(B_b) − conf(B_b)|. */
export function expectedCalibrationError(
  probs: readonly ArrayLike<number>[],
  labels: readonly number[],
  bins = ECE_BINS,
): number {
  const count = new Array<number>(bins).fill(0),
    conf = new Array<number>(bins).fill(0),
    acc = new Array<number>(bins).fill(0);
  probs.forEach((p, i) => {
    const k = argmax(p);
    const c = p[k];
    const b = Math.min(bins - 1, Math.floor(c * bins));
    count[b]++;
    conf[b] += c;
    acc[b] += k === labels[i] ? 1 : 0;
  });
  let ece = 0;
  for (let b = 0; b < bins; b++) if (count[b]) ece += Math.abs(acc[b] - conf[b]) / probs.length;
  return ece;
}

/** Metrics of predicted distributions against reference class indices. */
export function classificationMetrics(
  probs: readonly ArrayLike<number>[],
  labels: readonly number[],
): ClassificationMetrics {
  if (probs.length !== labels.length) throw new RangeError("probs and labels differ in length");
  const confusion = EMOTIONS.map(() => new Array<number>(NUM_EMOTIONS).fill(0));
  let correct = 0, confSum = 0;
  probs.forEach((p, i) => {
    const k = argmax(p);
    confusion[labels[i]][k]++;
    if (k === labels[i]) correct++;
    confSum += p[k];
  });
  const n = probs.length;
  const recall: Record<string, number | null> = {};
  const recalls: number[] = [];
  let wf1 = 0;
  for (let c = 0; c < NUM_EMOTIONS; c++) {
    const support = confusion[c].reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[c], 0);
    const tp = confusion[c][c];
    if (support === 0) {
      recall[EMOTIONS[c]] = null;
      continue;
    }
    const r = tp / support, p = predicted ? tp / predicted : 0;
    recall[EMOTIONS[c]] = r;
    recalls.push(r);
    wf1 += (support / n) * (p + r > 0 ? (2 * p * r) / (p + r) : 0);
  }
  return {
    n,
    accuracy: n ? correct / n : 0,
    uar: recalls.length ? recalls.reduce((a, b) => a + b, 0) / recalls.length : 0,
    weightedF1: wf1,
    recall,
    ece: n ? expectedCalibrationError(probs, labels) : 0,
    meanConfidence: n ? confSum / n : 0,
    confusion,
  };
}

/**
 * Accuracy of the most confident fraction of items (selective classification, Geifman &
 * El-Yaniv 2017): items sorted by confidence, the top `coverage` share scored.
 */
export function selectiveAccuracy(
  probs: readonly ArrayLike<number>[],
  labels: readonly number[],
  coverage = 0.5,
): number {
  const order = probs.map((p, i) => ({ c: p[argmax(p)], i })).sort((a, b) => b.c - a.c);
  const k = Math.max(1, Math.round(order.length * coverage));
  let correct = 0;
  for (const { i } of order.slice(0, k)) if (argmax(probs[i]) === labels[i]) correct++;
  return correct / k;
}
