"""Trains the text emotion model on the TypeScript-built cache and exports ONNX (logits, not probabilities).

Run by `deno task train:text` (training/text/train.ts), which tokenises the corpora first:
    /usr/bin/python3 training/text/train.py --dataset ~/.cache/affectstream/text/dataset.json --out-dir models
Writes <out-dir>/text_emotion.onnx, <out-dir>/text_emotion.confusion.png, the parity fixture and a JSON report
(metrics per epoch, temperatures, ECE) that train.ts turns into the model card.
"""
import os

# Before numpy/torch load OpenBLAS: its own thread pool makes small matrix products ~7x slower on a busy
# 2-core machine even with torch.set_num_threads(1).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from text_data import SPLIT_DEV, SPLIT_TRAIN, TextData, encode_batch  # noqa: E402
from text_pretrain import pretrain_embeddings  # noqa: E402
from text_net import INPUT_NAMES, OUTPUT_NAMES, TextEmotionNet, TextEnsemble  # noqa: E402
from text_training import (calibration, confusion_png, dev_metrics, example_weights, losses, predict,  # noqa: E402
                           progress, write_fixture)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--dataset", required=True)
    p.add_argument("--out-dir", default="models")
    p.add_argument("--name", default="text_emotion")
    p.add_argument("--report", required=True, help="JSON report path")
    p.add_argument("--fixture", default=None, help="parity fixture JSON path")
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--time-budget-s", type=float, default=600, help="stop starting epochs past this")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--emb-dim", type=int, default=128)
    p.add_argument("--channels", type=int, default=128)
    p.add_argument("--dropout", type=float, default=0.3)
    p.add_argument("--pretrain-epochs", type=int, default=3,
                   help="skip-gram epochs on the training splits' text to initialise the embeddings (0: none)")
    p.add_argument("--meld-weight", type=float, default=4.0, help="emotion-loss weight of MELD turns")
    p.add_argument("--emb-lr-scale", type=float, default=0.3, help="learning-rate factor of the word embeddings")
    p.add_argument("--class-power", type=float, default=0.5,
                   help="emotion-loss class weights (N_k/(C_k·N_kc))^power within each corpus (0: none)")
    p.add_argument("--members", type=int, default=1,
                   help="networks trained from seeds seed, seed+1, …; the exported model averages their logits")
    return p.parse_args()


def train_member(args, data, train_ex, dev_ex, seed, vectors, example_weight, started):
    """One network trained from `seed` (initialisation and batch order); returns it at its best dev epoch
    (mean of the five dev metrics) with its per-epoch history."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = TextEmotionNet(data.vocab_size, emb_dim=args.emb_dim, channels=args.channels, dropout=args.dropout)
    if vectors is not None:
        with torch.no_grad():
            model.embedding.weight.copy_(vectors)
    emb_params = list(model.embedding.parameters())
    rest = [p for n, p in model.named_parameters() if not n.startswith("embedding.")]
    opt = torch.optim.Adam([{"params": emb_params, "lr": args.lr * args.emb_lr_scale}, {"params": rest}], lr=args.lr)
    n_batches = sum(1 for _ in data.batches(train_ex, args.batch))
    total_steps = args.epochs * n_batches
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.05, 1 - s / total_steps))
    history, best, best_state = [], -1.0, None
    member_started = time.time()
    for epoch in range(1, args.epochs + 1):
        model.train()
        t0, running = time.time(), 0.0
        for i, batch in enumerate(data.batches(train_ex, args.batch, rng)):
            enc, present = encode_batch(model, data, batch)
            loss = losses(model.classify(enc, present, torch.from_numpy(data.same[batch])), data, batch, example_weight)
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
        print(json.dumps({"seed": seed, **history[-1]}), flush=True)
        if m["mean"] > best:
            best = m["mean"]
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        if time.time() - member_started > args.time_budget_s:
            print(f"time budget reached after epoch {epoch}", flush=True)
            break
    model.load_state_dict(best_state)
    model.eval()
    return model, history


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    started = time.time()
    data = TextData(args.dataset)
    train_ex = np.flatnonzero(data.split == SPLIT_TRAIN)
    dev_ex = np.flatnonzero(data.split == SPLIT_DEV)
    corpus_weight = np.ones(len(data.corpora), dtype=np.float32)
    corpus_weight[data.corpus_index("meld")] = args.meld_weight
    example_weight = example_weights(data, train_ex, corpus_weight, args.class_power)
    vectors = None
    if args.pretrain_epochs > 0:
        train_turns = np.unique(data.window[train_ex][data.window[train_ex] >= 0])
        vectors = pretrain_embeddings(data, train_turns, args.emb_dim, args.pretrain_epochs, seed=args.seed)
    print(f"{len(train_ex)} train / {len(dev_ex)} dev examples, {len(data.lengths)} turns, vocab {data.vocab_size}, "
          f"{args.members} member(s)", flush=True)
    members, member_reports = [], []
    for k in range(args.members):
        seed = args.seed + k
        net, history = train_member(args, data, train_ex, dev_ex, seed, vectors, example_weight, started)
        members.append(net)
        best_epoch = max(history, key=lambda h: h["mean"])["epoch"]
        member_reports.append({"seed": seed, "bestEpoch": best_epoch, "history": history,
                               "devMetrics": next(h for h in history if h["epoch"] == best_epoch)})
    # the ensemble of the first k members, for every k: how much each member adds
    ensemble_sizes = []
    for k in range(1, len(members) + 1):
        ex, outs = predict(TextEnsemble(members[:k]), data, dev_ex)
        ensemble_sizes.append({"members": k, **dev_metrics(data, ex, outs)})
        print(json.dumps(ensemble_sizes[-1]), flush=True)
    model = TextEnsemble(members) if len(members) > 1 else members[0]
    history = member_reports[0]["history"]
    best_epoch = member_reports[0]["bestEpoch"]
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
        "config": {**members[0].config, "members": len(members), "epochs": args.epochs, "pretrainEpochs": args.pretrain_epochs,
                   "meldWeight": args.meld_weight, "classPower": args.class_power, "embLrScale": args.emb_lr_scale, "batch": args.batch, "lr": args.lr, "seed": args.seed,
                   "threads": args.threads, "contextTurns": data.context_turns, "maxTokens": data.max_tokens,
                   "optimizer": "Adam, linear decay to 5%", "gradClip": 5.0},
        "parameters": sum(p.numel() for p in model.parameters()),
        "history": history, "bestEpoch": best_epoch, "devMetrics": final,
        "members": member_reports, "ensembleSizes": ensemble_sizes,
        "calibration": emotion_cal, "sentimentCalibration": sentiment_cal,
        "meldConfusion": cm, "trainExamples": int(len(train_ex)), "devExamples": int(len(dev_ex)),
        "durationS": round(time.time() - started, 1), "torch": torch.__version__,
    }
    with open(args.report, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1)
    print(json.dumps({"devMetrics": final, "calibration": emotion_cal, "durationS": report["durationS"]}), flush=True)


if __name__ == "__main__":
    main()
