"""Measures two cheap ways to raise the pooled face accuracy without training: averaging the pixel model's
logits over more views of the crop (shifts, scales, rotations; each view also mirrored, as served) and
averaging two checkpoints (the shipped 1.1.0 and its warm restart). Each variant is pooled with the blendshape
model exactly as shipped (train_pixel.py: weights and biases refitted on the carve-out for that variant) and
scored on FER2013 val, deduplicated, missed faces counted as wrong. Nothing here is shipped: it says how far
these would go (docs/face.md).

`nice -n 10 /usr/bin/python3 training/face/face_tta.py [--cache .cache/face]
    [--checkpoints pixel_ckpt_1.1.0.pt,pixel_ckpt_ft.pt]` → training/face/results/face_tta.json
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dedup_fer import group_ids, image_hashes, read_images  # noqa: E402
from pixel_model import CROP, FlipAveraged, PixelCnn  # noqa: E402
from train_pixel import carve_out, combine, fit_combination, log_softmax, read_split  # noqa: E402

# (dx px, dy px, scale, rotation °); the first is the crop as served
VIEWS = [(0, 0, 1, 0), (2, 0, 1, 0), (-2, 0, 1, 0), (0, 2, 1, 0), (0, -2, 1, 0), (0, 0, 1.08, 0), (0, 0, 0.93, 0),
         (0, 0, 1, 6), (0, 0, 1, -6)]


def view(x, dx, dy, s, rot):
    a = rot * np.pi / 180
    th = torch.tensor([[np.cos(a) / s, -np.sin(a) / s, dx * 2 / CROP], [np.sin(a) / s, np.cos(a) / s, dy * 2 / CROP]],
                      dtype=torch.float32).expand(x.shape[0], 2, 3)
    grid = F.affine_grid(th, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def view_logits(model, crops, n=512):
    """[views, images, 7] mirror-averaged logits of every view."""
    x = torch.from_numpy(crops.astype(np.float32) / 255).view(-1, 1, CROP, CROP)
    with torch.no_grad():
        return np.stack([np.concatenate([model(view(x[s:s + n], *v)).numpy() for s in range(0, len(x), n)])
                         for v in VIEWS])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cache", default=".cache/face")
    p.add_argument("--data", default="../shared/data")
    p.add_argument("--dedup", default="training/face/results/fer_dedup.json")
    p.add_argument("--blend-card", default="models/face_mlp.card.json")
    p.add_argument("--checkpoints", default="pixel_ckpt_1.1.0.pt,pixel_ckpt_ft.pt")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default="training/face/results/face_tta.json")
    args = p.parse_args()
    torch.set_num_threads(args.threads)

    feat = os.path.join(args.cache, "features")
    meta = {s: json.load(open(os.path.join(feat, s + ".json"))) for s in ("train", "val")}
    val_crops, _ = read_split(args.cache, "val", meta["val"]["total"])
    train_crops, _ = read_split(args.cache, "train", meta["train"]["total"])
    y_val, y_train = (np.asarray(meta[s]["allLabels"]) for s in ("val", "train"))
    mlp = {s: np.fromfile(os.path.join(feat, s + ".mlp_logits.f32"), dtype=np.float32).reshape(-1, 7)
           for s in ("train", "val")}
    t_blend = json.load(open(args.blend_card))["calibration"]["temperature"]

    groups = group_ids(image_hashes(read_images(args.data, "train")))
    calib_rows, calib_imgs, _ = carve_out(meta["train"], groups, args.seed)
    lb_calib, y_calib = log_softmax(mlp["train"][calib_rows] / t_blend), y_train[calib_imgs]

    drop = set(json.load(open(args.dedup))["valDropIndices"])
    keep = np.array([i for i in range(meta["val"]["total"]) if i not in drop])
    row_of = {int(i): r for r, i in enumerate(meta["val"]["index"])}
    scored = keep[np.array([int(i) in row_of for i in keep])]
    lb_val = np.stack([log_softmax(mlp["val"][[row_of[int(i)]]] / t_blend)[0] for i in scored])
    has_crop = val_crops[scored].any(1)

    def pooled(lp_calib, lp_val):
        comb = fit_combination(lb_calib, log_softmax(lp_calib), y_calib)
        out = np.where(has_crop[:, None], combine(lb_val, log_softmax(lp_val[scored]), comb), lb_val)
        right = out.argmax(1) == y_val[scored]
        return {"accuracyOnScored": round(float(right.mean()), 4),
                "accuracyAllImagesMissedCountedWrong": round(float(right.sum() / len(keep)), 4),
                "carveOut": round(float((combine(lb_calib, log_softmax(lp_calib), comb).argmax(1) == y_calib).mean()),
                                  4)}

    logits = {}
    for name in args.checkpoints.split(","):
        ck = torch.load(os.path.join(args.cache, name), weights_only=False)
        model = PixelCnn()
        model.load_state_dict(ck["state"]["best"][2])
        model = FlipAveraged(model).eval()
        logits[name] = (view_logits(model, train_crops[calib_imgs]), view_logits(model, val_crops))
        print(f"{name}: logits of {len(VIEWS)} views", flush=True)
    results = []
    for k in (1, 5, 7, 9):
        for name, (lc, lv) in logits.items():
            results.append({"checkpoints": [name], "views": k, **pooled(lc[:k].mean(0), lv[:k].mean(0))})
        if len(logits) > 1:
            lc = np.mean([v[0][:k].mean(0) for v in logits.values()], axis=0)
            lv = np.mean([v[1][:k].mean(0) for v in logits.values()], axis=0)
            results.append({"checkpoints": list(logits), "views": k, **pooled(lc, lv)})
        for r in results[-(len(logits) + (len(logits) > 1)):]:
            print(json.dumps(r), flush=True)
    with open(args.out, "w") as f:
        json.dump({"command": "nice -n 10 /usr/bin/python3 training/face/face_tta.py " + " ".join(sys.argv[1:]),
                   "views": VIEWS, "valImagesDeduplicated": int(len(keep)), "scored": int(len(scored)),
                   "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
