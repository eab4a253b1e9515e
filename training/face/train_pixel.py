"""Trains the pixel expression model (face_cnn) on aligned FER2013 crops, combines it with the blendshape model and
exports ONNX, card, confusion image and the ONNX/PyTorch parity fixture.

Data and protocol (all read from the extract-faces cache, whose crops static/face/pixel_crop.js cut in headless
Chromium, exactly as serving cuts them):
- carve-out ("calib"): the blendshape model's own 10 % calibration hold-out of FER2013 train (train_face.py,
  seed 7), minus the images with a pixel-identical copy in that model's training part (dedup_fer.py), so that
  neither model has seen them. It picks the epoch, fits the pixel model's temperature and the combination.
- pixel training set: FER2013 train images with a detected face outside the carve-out, minus any copy of a
  carve-out image.
- val: FER2013 PublicTest minus the 280 images identical to train images; only measured. Missed faces count as
  wrong in the headline accuracy.

Combination (log-linear pooling, a weighted product of experts): log p(c) ∝ a·log p_blend(c) + b·log p_pixel(c)
+ bias_c, with p_blend the blendshape model's softmax(logits / T) and p_pixel the pixel model's raw softmax; a, b
and the 7 biases minimise NLL on the carve-out. Without a pixel estimate (no crop) the blendshape estimate is used
alone.

`nice -n 10 /usr/bin/python3 training/face/train_pixel.py [--cache .cache/face] [--epochs 7] [--finish-only]`
(checkpoints every epoch to <cache>/pixel_ckpt.pt and resumes from it).
"""
import argparse
import glob
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dedup_fer import group_ids, image_hashes, read_images  # noqa: E402
from face_calibration import ece, fit_temperature, softmax  # noqa: E402
from pixel_model import CROP, Ensemble, FlipAveraged, PixelCnn, augment  # noqa: E402
from train_face import EMOTIONS, confusion, plot_confusion, stratified_holdout  # noqa: E402

RECORD_LENGTH = 5 + 52 + 2 * 478
BATCH = 128


def read_split(cache, split, count):
    crops = np.zeros((count, CROP * CROP), dtype=np.uint8)
    attempt = np.zeros(count, dtype=np.int64)
    for f in glob.glob(os.path.join(cache, split, "*.crops.u8")):
        start = int(os.path.basename(f).split(".")[0])
        c = np.fromfile(f, dtype=np.uint8).reshape(-1, CROP * CROP)
        crops[start:start + len(c)] = c
        r = np.fromfile(f.replace(".crops.u8", ".f32"), dtype=np.float32).reshape(-1, RECORD_LENGTH)
        attempt[start:start + len(r)] = r[:, 0].astype(np.int64)
    return crops, attempt


def carve_out(meta_train, groups, seed):
    """The carve-out: the blendshape model's 10 % hold-out (train_face.py, over its feature rows) minus the
    images with a pixel-identical copy in that model's training part. Returns its feature rows, its image
    indices, and the image indices of the whole hold-out."""
    idx_feat = np.asarray(meta_train["index"])
    hold_rows = stratified_holdout(np.asarray(meta_train["label"]), 0.1, np.random.default_rng(seed))
    hold_imgs = idx_feat[hold_rows]
    mlp_train_groups = set(groups[idx_feat[~hold_rows]].tolist())
    clean = np.array([g not in mlp_train_groups for g in groups[hold_imgs]])
    calib_rows = np.flatnonzero(hold_rows)[clean]
    return calib_rows, idx_feat[calib_rows], hold_imgs


def logits_in_batches(model, crops, n=512):
    model.eval()
    out = []
    with torch.no_grad():
        for s in range(0, len(crops), n):
            x = torch.from_numpy(crops[s:s + n].astype(np.float32) / 255).view(-1, 1, CROP, CROP)
            out.append(model(x).numpy())
    return np.concatenate(out) if out else np.zeros((0, 7), np.float32)


def log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def fit_combination(lb, lp, y, steps=300):
    """a, b, bias minimising NLL of softmax(a·lb + b·lp + bias) (lb, lp: log-probabilities)."""
    lb_t, lp_t, y_t = torch.from_numpy(lb).double(), torch.from_numpy(lp).double(), torch.from_numpy(y)
    w = torch.tensor([1.0, 1.0], dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(7, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, bias], max_iter=steps, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(w[0] * lb_t + w[1] * lp_t + bias, y_t) + 1e-3 * bias.pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return float(w[0]), float(w[1]), bias.detach().numpy().astype(float)


def combine(lb, lp, comb):
    a, b, bias = comb
    return a * lb + b * lp + np.asarray(bias)


def metrics(pred, y, total):
    m = confusion(y, pred)
    recall = [m[c, c] / max(m[c].sum(), 1) for c in range(7)]
    precision = [m[c, c] / max(m[:, c].sum(), 1) for c in range(7)]
    f1 = [2 * p * r / max(p + r, 1e-9) for p, r in zip(precision, recall)]
    return {"accuracyOnScored": round(float((pred == y).mean()), 4),
            "accuracyAllImagesMissedCountedWrong": round(float((pred == y).sum() / total), 4),
            "scored": int(len(y)), "images": int(total), "macroF1": round(float(np.mean(f1)), 4),
            "perClassRecall": {EMOTIONS[c]: round(float(recall[c]), 4) for c in range(7)},
            "confusion": m.tolist()}


def pixel_card_markdown(card):
    """Human-readable card of the pixel model from its card.json."""
    m, c, d, t = card["validation"]["metrics"], card["combination"], card["data"], card["training"]
    row = lambda k, label: (f"| {label} | {m[k]['accuracyOnScored']:.4f} ({m[k]['scored']}) | "
                            f"**{m[k]['accuracyAllImagesMissedCountedWrong']:.4f}** | {m[k]['macroF1']:.4f} |")
    lines = [
        f"# {card['name']} {card['version']} — face emotion from the aligned face crop", "",
        card["task"] + ".", "",
        "## Inputs and outputs", "",
        f"- `crop` {card['inputs'][0]['shape']} float32: {card['inputs'][0]['description']}.",
        f"- `logits` [batch, 7] in the order {', '.join(card['labels'])}. The browser sends softmax(logits) as "
        "`pixelProbs` on the `face` message; pixels never leave the page.", "",
        "## Data", "",
    ]
    lines += [f"- {k}: {v}" for k, v in d["splits"].items()]
    lines += [f"- counts: {json.dumps(d['counts'])}", f"- crops: {d['crops']}", "",
              "## Architecture and training", "", card["architecture"] + ".", "",
              f"{t['optimiser']}; augmentation: {t['augmentation']}. Inference: "
              + ("mean of the logits of the crop and its mirror image (chosen on the carve-out: " if t.get("flipAveraged")
                 else "the crop alone (mirror averaging turned off by --flip never to bound the CNN passes per frame; "
                      "carve-out: " if t.get("flipChoice") == "never" else "the crop alone (carve-out: ")
              + f"plain {t.get('carveOutPlain')}, mirror-averaged {t.get('carveOutFlipAveraged')}). "
              f"Command: `{t['command']}`.", ""]
    for k, mem in enumerate(t["members"]):
        # (epoch 0 of a warm restart is the starting model: no loss, no time)
        lines += [f"Member {k + 1} (`{mem['checkpoint']}`): {mem['epochs']} epochs, max lr {mem['lr']}, best on the "
                  f"carve-out at epoch {mem['bestEpoch']} ({mem['carveOutAccuracy']}), training seed "
                  f"{mem['trainSeed']}, {mem['trainSeconds']} s on {mem.get('threads') or 1} CPU thread(s); "
                  f"trained by `{mem['command']}`.", "",
                  "| epoch | train loss | carve-out accuracy | seconds |", "|---|---|---|---|"]
        lines += [f"| {h['epoch']} | {h.get('trainLoss', '—')} | {h['carveOutAccuracy']} | {h.get('seconds', '—')} |"
                  for h in mem["history"]] + [""]
    lines += ["## Combination with the blendshape model", "",
              f"{c['method']}: blendWeight {c['blendWeight']:.4f}, pixelWeight {c['pixelWeight']:.4f}, bias "
              f"{', '.join(f'{b:.3f}' for b in c['bias'])} (lib/face/pixel_model.ts pooledProbs).", "",
              "## Validation (FER2013 val, deduplicated)", "", card["validation"]["protocol"] + ".", "",
              "| system | accuracy on scored (n) | accuracy, all images | macro F1 |", "|---|---|---|---|",
              row("blendshape", "face_mlp alone"), row("pixel", "face_cnn alone"),
              row("combined", "pooled (shipped)"),
              *([row("combinedWithDuplicates", "pooled, val with its 280 copies of train images")]
                if "combinedWithDuplicates" in m else []), "",
              f"Majority-class baseline {card['validation']['majorityClassBaseline']:.4f}. Per-class recall, pooled: "
              + ", ".join(f"{k} {v:.3f}" for k, v in m["combined"]["perClassRecall"].items())
              + f". Confusion matrix: `{card['name']}.confusion.png`. Results file: `{card['validation']['results']}`.",
              "", "## Licences", ""]
    lines += [f"- {k}: {v}" for k, v in card["licences"].items()]
    lines += ["", "## Limitations", ""] + [f"- {x}" for x in card["limitations"]] + [""]
    return "\n".join(lines)


def load_member(path):
    """A trained member from its checkpoint: the model with its best carve-out weights, and what the card says
    of its training."""
    ck = torch.load(path, weights_only=False)
    model = PixelCnn()
    best = ck["state"]["best"]
    model.load_state_dict(best[2] if best[2] is not None else ck["model"])
    run = ck.get("run", {})
    return model.eval(), {"checkpoint": os.path.basename(path), "command": run.get("command"),
                          "trainSeed": run.get("trainSeed"), "epochs": ck.get("epochs"), "lr": run.get("lr"),
                          "threads": run.get("threads"), "bestEpoch": best[1],
                          "carveOutAccuracy": round(best[0], 4), "trainSeconds": round(ck["state"]["trainS"], 1),
                          "history": ck["state"]["history"]}


def train_member(args, train_seed, command, xtr, ytr, xc, yc):
    """Trains one PixelCnn, resuming from its checkpoint in --cache (saved after every epoch), and returns it
    with its best carve-out weights and what the card says of its training."""
    model = PixelCnn()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=5e-4)
    steps_per_epoch = (len(xtr) + BATCH - 1) // BATCH
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch,
                                                pct_start=0.2)
    ckpt_path = os.path.join(args.cache, args.ckpt)
    run = {"command": command, "trainSeed": train_seed, "lr": args.lr, "threads": args.threads, "init": args.init}
    state = {"epoch": 0, "best": (-1.0, 0, None), "history": [], "trainS": 0.0}
    if args.init:
        # A warm restart keeps the starting weights unless an epoch beats them on the carve-out.
        init = torch.load(args.init, weights_only=False)
        init_state = init["state"]["best"][2] if init["state"]["best"][2] is not None else init["model"]
        model.load_state_dict(init_state)
        acc0 = float((logits_in_batches(model, xc).argmax(1) == yc).mean())
        state["best"] = (acc0, 0, {k: v.clone() for k, v in model.state_dict().items()})
        state["history"].append({"epoch": 0, "carveOutAccuracy": round(acc0, 4),
                                 "from": os.path.relpath(args.init), "fromEpochs": init.get("epochs")})
        print(f"warm restart from {args.init} (carve-out {acc0:.4f})", flush=True)
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, weights_only=False)
        if ck.get("epochs") == args.epochs:
            model.load_state_dict(ck["model"])
            opt.load_state_dict(ck["opt"])
            sched.load_state_dict(ck["sched"])
            state = ck["state"]
            print(f"resumed after epoch {state['epoch']}")
    # (a warm restart draws other augmentations than the run it starts from; the split seed stays)
    gen = torch.Generator().manual_seed(train_seed + state["epoch"] + (1000 if args.init else 0))
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
    while not args.finish_only and state["epoch"] < args.epochs:
        te = time.time()
        model.train()
        order = torch.randperm(len(xtr), generator=gen)
        total = 0.0
        for s in range(0, len(xtr), BATCH):
            b = order[s:s + BATCH]
            loss = loss_fn(model(augment(xtr[b], gen)), ytr[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(b)
        acc = float((logits_in_batches(model, xc).argmax(1) == yc).mean())
        state["epoch"] += 1
        state["trainS"] += time.time() - te
        state["history"].append({"epoch": state["epoch"], "trainLoss": round(total / len(xtr), 4),
                                 "carveOutAccuracy": round(acc, 4), "seconds": round(time.time() - te, 1)})
        if acc > state["best"][0]:
            state["best"] = (acc, state["epoch"], {k: v.clone() for k, v in model.state_dict().items()})
        torch.save({"epochs": args.epochs, "model": model.state_dict(), "opt": opt.state_dict(),
                    "sched": sched.state_dict(), "state": state, "run": run}, ckpt_path + ".tmp")
        os.replace(ckpt_path + ".tmp", ckpt_path)
        print(json.dumps(state["history"][-1]), flush=True)

    return load_member(ckpt_path)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cache", default=".cache/face")
    p.add_argument("--data", default="../shared/data")
    p.add_argument("--dedup", default="training/face/results/fer_dedup.json")
    p.add_argument("--models", default="models")
    p.add_argument("--name", default="face_cnn")
    p.add_argument("--blend-card", default="models/face_mlp.card.json")
    p.add_argument("--epochs", type=int, default=7)
    p.add_argument("--seed", type=int, default=7, help="split seed: the carve-out (keep 7, the blendshape model's)")
    p.add_argument("--train-seed", type=int, default=None,
                   help="seed of the initial weights and augmentations (default: --seed); another value trains an "
                        "independent member for an ensemble on the same split")
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--finish-only", action="store_true")
    p.add_argument("--results", default="training/face/results/face_cnn_val.json")
    p.add_argument("--fixture", default="lib/face/testdata/pixel_parity.json")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--init", default=None,
                   help="start from the best weights of this checkpoint (a warm restart: a new one-cycle schedule)")
    p.add_argument("--ckpt", default="pixel_ckpt.pt", help="checkpoint file name inside --cache")
    p.add_argument("--version", default="1.1.0", help="model version written to the card")
    p.add_argument("--flip", choices=("auto", "never"), default="auto",
                   help="auto: serve the mean of the crop's and its mirror's logits when that is better on the "
                        "carve-out; never: the crop alone (a bound on the CNN passes per frame)")
    p.add_argument("--members", default=None,
                   help="comma-separated checkpoint names inside --cache: export the mean of their logits (an "
                        "ensemble of runs made before) instead of training")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    train_seed = args.seed if args.train_seed is None else args.train_seed
    torch.manual_seed(train_seed)
    t0 = time.time()

    feat = os.path.join(args.cache, "features")
    meta = {s: json.load(open(os.path.join(feat, s + ".json"))) for s in ("train", "val")}
    crops = {s: read_split(args.cache, s, meta[s]["total"]) for s in ("train", "val")}
    y_all = {s: np.asarray(meta[s]["allLabels"], dtype=np.int64) for s in ("train", "val")}
    mlp_logits = {s: np.fromfile(os.path.join(feat, s + ".mlp_logits.f32"), dtype=np.float32).reshape(-1, 7)
                  for s in ("train", "val")}
    dedup = json.load(open(args.dedup))
    groups = group_ids(image_hashes(read_images(args.data, "train")))

    calib_rows, calib_imgs, hold_imgs = carve_out(meta["train"], groups, args.seed)
    calib_groups = set(groups[hold_imgs].tolist())
    detected_train = np.flatnonzero(crops["train"][1] > 0)
    pix_train = np.array([i for i in detected_train if groups[i] not in calib_groups])
    print(f"pixel train {len(pix_train)}, carve-out {len(calib_imgs)} (of {len(hold_imgs)} held out; "
          f"{len(hold_imgs) - len(calib_imgs)} have a copy in the blendshape model's training part)")

    xtr = torch.from_numpy(crops["train"][0][pix_train].astype(np.float32) / 255).view(-1, 1, CROP, CROP)
    ytr = torch.from_numpy(y_all["train"][pix_train])
    xc, yc = crops["train"][0][calib_imgs], y_all["train"][calib_imgs]

    command = "nice -n 10 /usr/bin/python3 training/face/train_pixel.py " + " ".join(
        a for a in sys.argv[1:] if a != "--finish-only")
    if args.members:
        # An ensemble of members trained before (each checkpointed by its own run): the mean of their logits.
        loaded = [load_member(os.path.join(args.cache, name)) for name in args.members.split(",")]
        model = loaded[0][0] if len(loaded) == 1 else Ensemble([m for m, _ in loaded])
        members = [info for _, info in loaded]
    else:
        model, info = train_member(args, train_seed, command, xtr, ytr, xc, yc)
        members = [info]
    params = sum(q.numel() for q in model.parameters())
    best_acc = float((logits_in_batches(model, xc).argmax(1) == yc).mean())
    model.eval()
    # Averaging the logits of the crop and its mirror image is part of the exported graph when it helps on the
    # carve-out (chosen there, never on val); it doubles the per-frame cost.
    plain_acc = float((logits_in_batches(model, xc).argmax(1) == yc).mean())
    mirrored = FlipAveraged(model).eval()
    flip_acc = float((logits_in_batches(mirrored, xc).argmax(1) == yc).mean())
    use_flip = flip_acc > plain_acc and args.flip == "auto"
    print(f"carve-out accuracy: plain {plain_acc:.4f}, flip-averaged {flip_acc:.4f} -> "
          f"{'flip-averaged' if use_flip else 'plain'} (--flip {args.flip})")
    if use_flip:
        model = mirrored

    # Pixel logits and blendshape log-probabilities of the carve-out and of val.
    t_blend = json.load(open(args.blend_card))["calibration"]["temperature"]
    lc_pix = logits_in_batches(model, xc)
    t_pix = fit_temperature(lc_pix, yc)
    lc_blend = log_softmax(mlp_logits["train"][calib_rows] / t_blend)
    comb = fit_combination(lc_blend, log_softmax(lc_pix), yc)
    print(f"pixel temperature {t_pix:.4f}; combination a={comb[0]:.4f} b={comb[1]:.4f} bias={np.round(comb[2], 3)}")

    drop = set(dedup["valDropIndices"])
    keep = np.array([i for i in range(meta["val"]["total"]) if i not in drop])
    total_val = len(keep)
    val_crops, val_attempt = crops["val"]
    row_of = {int(i): r for r, i in enumerate(meta["val"]["index"])}
    lv_pix_all = logits_in_batches(model, val_crops)
    has_face = val_attempt[keep] > 0
    has_blend = np.array([int(i) in row_of for i in keep])
    yv = y_all["val"][keep]
    results = {}
    # pixel alone: images with a detected face (a crop)
    kp = keep[has_face]
    results["pixel"] = metrics(lv_pix_all[kp].argmax(1), y_all["val"][kp], total_val)
    kb = keep[has_blend]
    lb_val = np.stack([log_softmax(mlp_logits["val"][[row_of[int(i)]]] / t_blend)[0] for i in kb])
    results["blendshape"] = metrics(lb_val.argmax(1), y_all["val"][kb], total_val)
    # As served (lib/face/face_stream.ts): a frame is scored when the blendshape features exist; pooled with the
    # pixel probabilities when the page could cut a crop, else the blendshape estimate alone.
    ks = keep[has_blend]
    lb_full = np.stack([log_softmax(mlp_logits["val"][[row_of[int(i)]]] / t_blend)[0] for i in ks])
    hp = val_crops[ks].any(1)
    combined = np.where(hp[:, None], combine(lb_full, log_softmax(lv_pix_all[ks]), comb), lb_full)
    results["combined"] = metrics(combined.argmax(1), y_all["val"][ks], total_val)
    results["combined"]["pooledBoth"] = int(hp.sum())
    kb = ks
    # ECE of the combined distribution and of the pixel model before/after its temperature
    results["combined"]["ece15"] = round(ece(softmax(combined), y_all["val"][kb]), 4)
    results["pixel"]["ece15Raw"] = round(ece(softmax(lv_pix_all[kp]), y_all["val"][kp]), 4)
    results["pixel"]["ece15Calibrated"] = round(ece(softmax(lv_pix_all[kp], t_pix), y_all["val"][kp]), 4)
    # The same pooled system over every val image, the 280 copies of train images included (for comparison only).
    every = np.arange(meta["val"]["total"])
    ks_all = every[np.array([int(i) in row_of for i in every])]
    lb_all = np.stack([log_softmax(mlp_logits["val"][[row_of[int(i)]]] / t_blend)[0] for i in ks_all])
    hp_all = val_crops[ks_all].any(1)
    comb_all = np.where(hp_all[:, None], combine(lb_all, log_softmax(lv_pix_all[ks_all]), comb), lb_all)
    results["combinedWithDuplicates"] = metrics(comb_all.argmax(1), y_all["val"][ks_all], len(every))
    counts_val = np.bincount(yv, minlength=7)
    print(json.dumps({k: {m: v[m] for m in ("accuracyOnScored", "accuracyAllImagesMissedCountedWrong", "macroF1")}
                      for k, v in results.items()}))

    os.makedirs(args.models, exist_ok=True)
    onnx_path = os.path.join(args.models, args.name + ".onnx")
    torch.onnx.export(model, torch.zeros(1, 1, CROP, CROP), onnx_path, input_names=["crop"],
                      output_names=["logits"], dynamic_axes={"crop": {0: "batch"}, "logits": {0: "batch"}},
                      opset_version=13)
    png = os.path.join(args.models, args.name + ".confusion.png")
    m = np.asarray(results["combined"]["confusion"])
    plot_confusion(m, png, f"blendshapes + pixels on FER2013 val (dedup, faces {len(kb)}/{total_val}), "
                           f"acc {results['combined']['accuracyOnScored']:.3f}")
    rng = np.random.default_rng(1)
    pick = rng.choice(kp, 16, replace=False)
    os.makedirs(os.path.dirname(args.fixture), exist_ok=True)
    with open(args.fixture, "w") as f:
        json.dump({"model": args.name, "tolerance": 1e-4, "valIndices": pick.tolist(),
                   "crops": val_crops[pick].tolist(), "logits": lv_pix_all[pick].tolist()}, f)

    extraction = json.load(open(os.path.join(args.cache, "extraction.json")))
    duration = time.time() - t0
    card = {
        "name": args.name,
        "version": args.version,
        "modality": "face",
        "task": "7-class emotion classification of one aligned 48x48 gray face crop; combined with the "
                "blendshape model (face_mlp) by calibrated log-linear pooling",
        "labels": EMOTIONS,
        "inputs": [{"name": "crop", "shape": ["batch", 1, CROP, CROP], "dtype": "float32",
                    "description": "static/face/pixel_crop.js alignedCrop() gray bytes / 255: rotated so the eye "
                                   "centres are level, scaled to 0.36 of the side apart, eye midpoint at (0.5, 0.36)"}],
        "outputs": [{"name": "logits", "shape": ["batch", 7], "dtype": "float32",
                     "description": "logits in labels order; the browser sends softmax(logits) (raw probabilities)"}],
        "data": {
            "corpora": ["FER2013"],
            "splits": {"train": "FER2013 Training images with a detected face, minus the carve-out and every "
                                "pixel-identical copy of a carve-out image",
                       "carveOut": "face_mlp's 10 % calibration hold-out minus images with a copy in face_mlp's "
                                   "training part: epoch, temperature and combination",
                       "validation": "FER2013 PublicTest minus the 280 images identical to a train image "
                                     "(training/face/results/fer_dedup.json)"},
            "counts": {"train": int(len(pix_train)), "carveOut": int(len(calib_imgs)), "valImages": int(total_val),
                       "valWithFace": int(has_face.sum())},
            "crops": "cut in headless Chromium by the serving code (static/face/pixel_batch.js → pixel_crop.js) from "
                     "the presentation the face was found on: " + json.dumps(extraction.get("attempts")),
        },
        "architecture": (f"mean of the logits of {len(members)} independently trained members, each " if len(members) > 1
                         else "") + "per-image standardisation -> conv3x3/2 32 -> conv 64, pool -> conv 128 x2, pool -> "
                        "conv 256 x2, pool (each conv + BatchNorm + ReLU) -> global average -> dropout 0.3 -> "
                        f"Linear(256,7); {params} parameters in all",
        "training": {"command": command, "members": [{k: v for k, v in m.items()} for m in members],
                     "flipAveraged": use_flip, "flipChoice": args.flip, "carveOutPlain": round(plain_acc, 4),
                     "carveOutFlipAveraged": round(flip_acc, 4),
                     "optimiser": f"AdamW one-cycle (max lr per member), weight decay 5e-4, batch {BATCH}, "
                                  "label smoothing 0.1",
                     "augmentation": "horizontal flip, rotation ±10°, scale 0.9-1.1, shift ±3 px, gamma 0.7-1.4"},
        "calibration": {"temperature": round(t_pix, 4), "fittedOn": "carve-out"},
        "combination": {"method": "log p ∝ blendWeight·log softmax(face_mlp logits / face_mlp temperature) + "
                                  "pixelWeight·log p_pixel + bias; fitted on the carve-out (NLL)",
                        "blendModel": "face_mlp", "blendTemperature": t_blend,
                        "blendWeight": round(comb[0], 6), "pixelWeight": round(comb[1], 6),
                        "bias": [round(float(v), 6) for v in comb[2]], "probabilityFloor": 1e-6},
        "validation": {"protocol": "FER2013 val deduplicated (3,309 images), untouched by training, epoch choice, "
                                   "calibration and combination; 'accuracyAllImagesMissedCountedWrong' counts images "
                                   "without a detected face as errors",
                       "command": command, "results": os.path.relpath(args.results),
                       "metrics": {k: {m: v[m] for m in v if m != "confusion"} for k, v in results.items()},
                       "majorityClassBaseline": round(float(counts_val.max() / counts_val.sum()), 4)},
        "licences": {"FER2013": "research use (Goodfellow et al. 2013, ICML 2013 challenge); weights trained on it "
                                "inherit that restriction",
                     "face_landmarker.task": "Apache-2.0 (Google MediaPipe), used to locate and align the face"},
        "limitations": [
            "Trained on 48x48 gray still photos from web search; webcam frames are sharper, in colour and lit "
            "differently (domain gap not measured: no labelled video).",
            "Small CPU budget: " + ", ".join(f"{m['epochs']} epochs" for m in members) + " on two CPU threads; the "
            "carve-out accuracy was still rising slowly at the end (one-cycle schedule), so longer training or a "
            "wider network may gain more.",
            "FER2013 labels are noisy (human agreement about 65 %).",
            "Needs landmarks to cut the crop; a frame without a face has no estimate.",
        ],
    }
    with open(os.path.join(args.models, args.name + ".card.json"), "w") as f:
        json.dump(card, f, indent=2)
    with open(os.path.join(args.models, args.name + ".md"), "w") as f:
        f.write(pixel_card_markdown(card))
    with open(args.results, "w") as f:
        json.dump({"command": command, "model": f"{args.name}@{card['version']}", "valImagesDeduplicated": int(total_val),
                   "results": results, "combination": card["combination"], "carveOut": {
                       "pixelAccuracy": round(best_acc, 4),
                       "combinedAccuracy": round(float((combine(lc_blend, log_softmax(lc_pix), comb).argmax(1) == yc)
                                                       .mean()), 4),
                       "blendAccuracy": round(float((lc_blend.argmax(1) == yc).mean()), 4)}}, f, indent=1)
    print(f"done in {duration:.0f}s")


if __name__ == "__main__":
    main()
