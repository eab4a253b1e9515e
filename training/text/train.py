"""Trains the text emotion model on the TypeScript-built cache and exports ONNX (logits, not probabilities).

Run by `deno task train:text` (training/text/train.ts), which tokenises the corpora first:
    /usr/bin/python3 training/text/train.py --dataset ~/.cache/affectstream/text/dataset.json --out-dir models
Writes <out-dir>/text_emotion.onnx, <out-dir>/text_emotion.confusion.png, the parity fixture and a JSON report
(metrics per epoch, temperatures, ECE) that train.ts turns into the model card.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import SPLIT_DEV, SPLIT_TRAIN, TextData, encode_batch  # noqa: E402
from metrics import (expected_calibration_error, macro_f1_multilabel, micro_f1_subset,  # noqa: E402
                     multilabel_prediction, weighted_f1)
from model import INPUT_NAMES, OUTPUT_NAMES, TextEmotionNet  # noqa: E402

GOEMOTIONS_THRESHOLD = 0.3  # the GoEmotions authors' multi-label decision threshold
EMOCONTEXT_EMOTIONS = (1, 2, 3)  # happy, sad, angry in EMOCONTEXT_LABELS


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--dataset", required=True)
    p.add_argument("--out-dir", default="models")
    p.add_argument("--name", default="text_emotion")
    p.add_argument("--report", required=True, help="JSON report path")
    p.add_argument("--fixture", default=None, help="parity fixture JSON path")
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--time-budget-s", type=float, default=600, help="stop starting epochs past this")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--emb-dim", type=int, default=128)
    p.add_argument("--channels", type=int, default=128)
    p.add_argument("--dropout", type=float, default=0.3)
    return p.parse_args()


def losses(outputs, data, batch, corpus_weight):
    """Partial-label NLL for emotions (-log of the mass on the allowed set), CE for the other heads."""
    logits, sent, emory, emoc = outputs
    sets = torch.from_numpy(data.emotion_sets[batch])
    w = torch.from_numpy(corpus_weight[data.corpus[batch]])
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
    """All four logits for examples, in order, with dropout off."""
    model.eval()
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


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    started = time.time()
    data = TextData(args.dataset)
    train_ex = np.flatnonzero(data.split == SPLIT_TRAIN)
    dev_ex = np.flatnonzero(data.split == SPLIT_DEV)
    model = TextEmotionNet(data.vocab_size, emb_dim=args.emb_dim, channels=args.channels, dropout=args.dropout)
    corpus_weight = np.ones(len(data.corpora), dtype=np.float32)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    n_batches = sum(1 for _ in data.batches(train_ex, args.batch))
    total_steps = args.epochs * n_batches
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.05, 1 - s / total_steps))
    history, best, best_state = [], -1.0, None
    print(f"{len(train_ex)} train / {len(dev_ex)} dev examples, {len(data.lengths)} turns, vocab {data.vocab_size}, "
          f"{sum(p.numel() for p in model.parameters())} parameters", flush=True)
    for epoch in range(1, args.epochs + 1):
        model.train()
        t0, running = time.time(), 0.0
        for i, batch in enumerate(data.batches(train_ex, args.batch, rng)):
            enc, present = encode_batch(model, data, batch)
            loss = losses(model.classify(enc, present, torch.from_numpy(data.same[batch])), data, batch, corpus_weight)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            sched.step()
            running = 0.98 * running + 0.02 * loss.item() if i else loss.item()
            if i % 20 == 0:
                progress(epoch, args.epochs, i + 1, n_batches, running, started)
        progress(epoch, args.epochs, n_batches, n_batches, running, started)
        ex, outs = predict(model, data, dev_ex)
        m = dev_metrics(data, ex, outs)
        history.append({"epoch": epoch, "seconds": round(time.time() - t0, 1), "loss": round(running, 4), **m})
        sys.stderr.write("\n")
        print(json.dumps(history[-1]), flush=True)
        if m["mean"] > best:
            best = m["mean"]
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        if time.time() - started > args.time_budget_s:
            print(f"time budget reached after epoch {epoch}", flush=True)
            break
    model.load_state_dict(best_state)
    best_epoch = max(history, key=lambda h: h["mean"])["epoch"]
    ex, outs = predict(model, data, dev_ex)
    # Calibrate on single-label dev turns of the conversational corpora and GoEmotions (EmoContext dev has no
    # neutral class and its "others" is a partial label, so it would mis-state the live label prior).
    single = data.emotion_sets[ex].sum(1) == 1
    conv = np.isin(data.corpus[ex], [data.corpus_index(n) for n in ("meld", "emorynlp", "dailydialog", "goemotions")])
    sel = single & conv
    emotion_cal = calibration(outs[0][sel], data.emotion_sets[ex[sel]].argmax(1), args.seed)
    sel_s = data.sentiment[ex] >= 0
    sentiment_cal = calibration(outs[1][sel_s], data.sentiment[ex[sel_s]], args.seed)
    final = dev_metrics(data, ex, outs, emotion_cal["temperature"])
    os.makedirs(args.out_dir, exist_ok=True)
    meld = data.corpus[ex] == data.corpus_index("meld")
    cm = confusion_png(os.path.join(args.out_dir, f"{args.name}.confusion.png"),
                       data.emotion_sets[ex[meld]].argmax(1), outs[0][meld].argmax(1), data.doc["emotions"],
                       "MELD dev (7 classes), text_emotion")
    onnx_path = os.path.join(args.out_dir, f"{args.name}.onnx")
    ids, same = data.window_tensors(dev_ex[:4].tolist())
    model.eval()
    torch.onnx.export(model, (ids, same), onnx_path, input_names=INPUT_NAMES, output_names=OUTPUT_NAMES,
                      dynamic_axes={"input_ids": {0: "batch", 2: "tokens"}, "same_speaker": {0: "batch"},
                                    **{n: {0: "batch"} for n in OUTPUT_NAMES}}, opset_version=13)
    import onnx
    onnx.checker.check_model(onnx.load(onnx_path))
    if args.fixture:
        write_fixture(model, data, args.fixture, args.name)
    report = {
        "config": {**model.config, "epochs": args.epochs, "batch": args.batch, "lr": args.lr, "seed": args.seed,
                   "threads": args.threads, "contextTurns": data.context_turns, "maxTokens": data.max_tokens,
                   "optimizer": "Adam, linear decay to 5%", "gradClip": 5.0},
        "parameters": sum(p.numel() for p in model.parameters()),
        "history": history, "bestEpoch": best_epoch, "devMetrics": final,
        "calibration": emotion_cal, "sentimentCalibration": sentiment_cal,
        "meldConfusion": cm, "trainExamples": int(len(train_ex)), "devExamples": int(len(dev_ex)),
        "durationS": round(time.time() - started, 1), "torch": torch.__version__,
    }
    with open(args.report, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1)
    print(json.dumps({"devMetrics": final, "calibration": emotion_cal, "durationS": report["durationS"]}), flush=True)


if __name__ == "__main__":
    main()
