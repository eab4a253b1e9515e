"""Training helpers of the text model: losses, dev prediction, the issue's dev metrics, temperature scaling,
the confusion plot and the parity fixture. train.py is the command line around them."""
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from text_data import encode_batch
from text_metrics import (expected_calibration_error, macro_f1_multilabel, micro_f1_subset,
                          multilabel_prediction, weighted_f1)
from text_net import OUTPUT_NAMES

GOEMOTIONS_THRESHOLD = 0.3  # the GoEmotions authors' multi-label decision threshold
EMOCONTEXT_EMOTIONS = (1, 2, 3)  # happy, sad, angry in EMOCONTEXT_LABELS


def example_weights(data, examples, corpus_weight, class_power):
    """Emotion-loss weight of every example: its corpus' weight × (N_k / (C_k · N_kc))^class_power for a
    single-label example of class c in corpus k (N_k single-label training examples of k, C_k classes present
    there), so each corpus' frequent classes (MELD's and DailyDialog's neutral) count less; partial-label
    examples keep their corpus weight. Power 0: corpus weights only."""
    w = corpus_weight[data.corpus].astype(np.float64)
    single = data.emotion_sets.sum(1) == 1
    label = data.emotion_sets.argmax(1)
    counted = np.zeros(len(w), bool)
    counted[examples] = True
    counted &= single
    for k in range(len(data.corpora)):
        counts = np.bincount(label[counted & (data.corpus == k)], minlength=7).astype(np.float64)
        present = counts > 0
        if not present.any():
            continue
        factor = np.ones(7)
        factor[present] = (counts.sum() / (present.sum() * counts[present])) ** class_power
        rows = single & (data.corpus == k)
        w[rows] *= factor[label[rows]]
    return w.astype(np.float32)


def losses(outputs, data, batch, example_weight):
    """Partial-label NLL for emotions (-log of the mass on the allowed set) weighted per example
    (`example_weights`), CE for the other heads."""
    logits, sent, emory, emoc = outputs
    sets = torch.from_numpy(data.emotion_sets[batch])
    w = torch.from_numpy(example_weight[batch])
    has = sets.any(1)
    logp = F.log_softmax(logits, 1)
    allowed = torch.logsumexp(logp.masked_fill(~sets, -1e9), 1)
    emo_loss = -(allowed * w * has).sum() / (w * has).sum().clamp(min=1e-6)
    total = emo_loss
    for head, target in ((sent, data.sentiment), (emory, data.emorynlp), (emoc, data.emocontext)):
        t = torch.from_numpy(target[batch])
        sel = t >= 0
        if sel.any():
            total = total + F.cross_entropy(head[sel], t[sel])
    return total


@torch.no_grad()
def predict(model, data, examples, batch_size=256):
    """All four logits for examples, in order, with dropout off (an ensemble: the mean of its members')."""
    model.eval()
    if hasattr(model, "members"):
        runs = [predict(m, data, examples, batch_size) for m in model.members]
        return runs[0][0], [np.mean([r[1][i] for r in runs], axis=0) for i in range(len(OUTPUT_NAMES))]
    outs = [[] for _ in OUTPUT_NAMES]
    order = []
    for batch in data.batches(examples, batch_size):
        enc, present = encode_batch(model, data, batch)
        res = model.classify(enc, present, torch.from_numpy(data.same[batch]))
        for o, r in zip(outs, res):
            o.append(r.numpy())
        order.extend(batch)
    pos = np.argsort(np.array(order))  # back to the order of `examples` (sorted input)
    ex = np.array(order)[pos]
    return ex, [np.concatenate(o)[pos] for o in outs]


def softmax(z, temperature=1.0):
    z = np.asarray(z, dtype=np.float64) / temperature
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def dev_metrics(data, ex, outs, temperature=1.0):
    """The five dev metrics of the issue, from logits of dev examples `ex`."""
    logits, sent, emory, emoc = outs
    c = data.corpus[ex]
    m = {}
    sel = c == data.corpus_index("meld")
    y = data.emotion_sets[ex[sel]].argmax(1)
    m["meld_weighted_f1"] = weighted_f1(y, logits[sel].argmax(1), 7)
    m["meld_sentiment_weighted_f1"] = weighted_f1(data.sentiment[ex[sel]], sent[sel].argmax(1), 3)
    sel = c == data.corpus_index("emorynlp")
    m["emorynlp_weighted_f1"] = weighted_f1(data.emorynlp[ex[sel]], emory[sel].argmax(1), 7)
    sel = c == data.corpus_index("emocontext")
    m["emocontext_micro_f1"] = micro_f1_subset(data.emocontext[ex[sel]], emoc[sel].argmax(1), EMOCONTEXT_EMOTIONS)
    sel = c == data.corpus_index("goemotions")
    pred = multilabel_prediction(softmax(logits[sel], temperature), GOEMOTIONS_THRESHOLD)
    m["goemotions_ekman_macro_f1"] = macro_f1_multilabel(data.emotion_sets[ex[sel]], pred, 7)
    m["mean"] = float(np.mean(list(m.values())))
    return m


def fit_temperature(logits, y):
    """Temperature minimising NLL on (logits, y), by grid search over [0.3, 5] (Guo et al. 2017)."""
    grid = np.exp(np.linspace(np.log(0.3), np.log(5.0), 300))
    nll = [-np.mean(np.log(softmax(logits, t)[np.arange(len(y)), y] + 1e-12)) for t in grid]
    return float(grid[int(np.argmin(nll))])


def calibration(logits, y, seed):
    """Temperature fitted on all of `y`, ECE before/after, and a 2-fold cross-fitted ECE after."""
    t = fit_temperature(logits, y)
    idx = np.random.default_rng(seed).permutation(len(y))
    a, b = idx[: len(y) // 2], idx[len(y) // 2:]
    cross = []
    for fit, held in ((a, b), (b, a)):
        cross.append(expected_calibration_error(softmax(logits[held], fit_temperature(logits[fit], y[fit])), y[held]))
    return {"temperature": round(t, 4), "eceBefore": expected_calibration_error(softmax(logits), y),
            "eceAfter": expected_calibration_error(softmax(logits, t), y), "eceAfterCrossFitted": float(np.mean(cross)),
            "examples": int(len(y))}


def progress(epoch, epochs, done, total, loss, started):
    width = 30
    filled = int(width * done / max(1, total))
    sys.stderr.write(f"\repoch {epoch}/{epochs} [{'#' * filled}{'.' * (width - filled)}] {100 * done / max(1, total):5.1f}% "
                     f"loss {loss:.3f}  {time.time() - started:5.0f}s")
    sys.stderr.flush()


def confusion_png(path, y, pred, labels, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    cm = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for t, p in zip(y, pred):
        cm[t, p] += 1
    norm = cm / np.maximum(1, cm.sum(1, keepdims=True))
    fig, ax = plt.subplots(figsize=(6.4, 5.6))
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", color="white" if norm[i, j] > 0.5 else "black",
                    fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return cm.tolist()


def write_fixture(model, data, path, name):
    """Runs PyTorch on the TypeScript-tokenised parity windows, one at a time, and records the logits."""
    model.eval()
    windows = []
    with torch.no_grad():
        for w in data.doc["parity"]:
            t = max(1, max(len(x) for x in w["turns"]))
            ids = torch.zeros(1, len(w["turns"]), t, dtype=torch.int64)
            for k, x in enumerate(w["turns"]):
                ids[0, k, :len(x)] = torch.tensor(x, dtype=torch.int64)
            outs = model(ids, torch.tensor([w["same"]], dtype=torch.float32))
            windows.append({**w, **{n: o[0].tolist() for n, o in zip(OUTPUT_NAMES, outs)}})
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"model": name, "tolerance": 1e-4, "windows": windows}, f, ensure_ascii=False, indent=1)


