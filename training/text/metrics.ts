/** Classification metrics as the issue defines them (training/text/metrics.py computes the same in Python). */

function f1(tp: number, fp: number, fn: number): number {
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

/** Support-weighted mean of per-class F1 (scikit-learn's average="weighted"). */
export function weightedF1(truth: readonly number[], pred: readonly number[], classes: number): number {
  let sum = 0;
  for (let c = 0; c < classes; c++) {
    let tp = 0, fp = 0, fn = 0;
    for (let i = 0; i < truth.length; i++) {
      if (pred[i] === c && truth[i] === c) tp++;
      else if (pred[i] === c) fp++;
      else if (truth[i] === c) fn++;
    }
    sum += f1(tp, fp, fn) * (tp + fn);
  }
  return truth.length ? sum / truth.length : 0;
}

/** Micro-F1 over a subset of classes; the others (EmoContext "others") count only as errors. */
export function microF1Subset(truth: readonly number[], pred: readonly number[], subset: readonly number[]): number {
  let tp = 0, fp = 0, fn = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = subset.includes(truth[i]), p = subset.includes(pred[i]);
    if (p && pred[i] === truth[i]) tp++;
    else {
      if (p) fp++;
      if (t) fn++;
    }
  }
  return f1(tp, fp, fn);
}

/** Mean over classes of binary F1 for multi-label sets (each a list of class indices). */
export function macroF1MultiLabel(truth: readonly number[][], pred: readonly number[][], classes: number): number {
  let sum = 0;
  for (let c = 0; c < classes; c++) {
    let tp = 0, fp = 0, fn = 0;
    for (let i = 0; i < truth.length; i++) {
      const t = truth[i].includes(c), p = pred[i].includes(c);
      if (t && p) tp++;
      else if (p) fp++;
      else if (t) fn++;
    }
    sum += f1(tp, fp, fn);
  }
  return sum / classes;
}

/** The arg-max class plus every class with probability ≥ threshold (GoEmotions' multi-label protocol). */
export function multiLabelPrediction(probs: readonly number[], threshold: number): number[] {
  let best = 0;
  for (let c = 1; c < probs.length; c++) if (probs[c] > probs[best]) best = c;
  return probs.map((p, c) => (c === best || p >= threshold ? c : -1)).filter((c) => c >= 0);
}

/** Index of the largest value. */
export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
