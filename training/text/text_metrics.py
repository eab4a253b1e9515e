"""Classification metrics as the issue defines them (the TypeScript evaluator mirrors these)."""
import numpy as np


def f1_per_class(y_true, y_pred, n):
    """Per-class F1 and support for single-label predictions."""
    f1 = np.zeros(n)
    support = np.zeros(n)
    for c in range(n):
        tp = np.sum((y_pred == c) & (y_true == c))
        fp = np.sum((y_pred == c) & (y_true != c))
        fn = np.sum((y_pred != c) & (y_true == c))
        support[c] = tp + fn
        f1[c] = 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)
    return f1, support


def weighted_f1(y_true, y_pred, n):
    """Support-weighted mean of per-class F1 (scikit-learn's average='weighted')."""
    f1, support = f1_per_class(np.asarray(y_true), np.asarray(y_pred), n)
    return float(np.sum(f1 * support) / max(1, support.sum()))


def micro_f1_subset(y_true, y_pred, classes):
    """Micro-F1 over a subset of classes (EmoContext: happy, sad, angry; 'others' counts only as an error)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    tp = sum(np.sum((y_pred == c) & (y_true == c)) for c in classes)
    fp = sum(np.sum((y_pred == c) & (y_true != c)) for c in classes)
    fn = sum(np.sum((y_pred != c) & (y_true == c)) for c in classes)
    return 0.0 if tp == 0 else float(2 * tp / (2 * tp + fp + fn))


def macro_f1_multilabel(true_sets, pred_sets, n):
    """Unweighted mean over classes of binary F1, for multi-label sets given as boolean [N, n] arrays."""
    true_sets, pred_sets = np.asarray(true_sets, bool), np.asarray(pred_sets, bool)
    scores = []
    for c in range(n):
        tp = np.sum(true_sets[:, c] & pred_sets[:, c])
        fp = np.sum(~true_sets[:, c] & pred_sets[:, c])
        fn = np.sum(true_sets[:, c] & ~pred_sets[:, c])
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores))


def multilabel_prediction(probs, threshold):
    """The arg-max class plus every class with probability >= threshold (GoEmotions' 0.3 protocol)."""
    probs = np.asarray(probs)
    pred = probs >= threshold
    pred[np.arange(len(probs)), probs.argmax(1)] = True
    return pred


def expected_calibration_error(probs, y_true, bins=15):
    """ECE with equal-width confidence bins (Guo et al. 2017)."""
    probs = np.asarray(probs)
    conf = probs.max(1)
    correct = (probs.argmax(1) == np.asarray(y_true)).astype(float)
    edges = np.linspace(0, 1, bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (conf > lo) & (conf <= hi)
        if sel.any():
            ece += sel.mean() * abs(conf[sel].mean() - correct[sel].mean())
    return float(ece)
