"""Compares candidate graphs of the pixel model — checkpointed members alone or averaged, on the crop alone or with
its mirror image — each pooled with the blendshape model as served (train_pixel.py: pooling weights and biases refitted
on the carve-out for that candidate). The carve-out column is what the served graph is chosen on (docs/face.md: the
best among those with no more CNN passes per frame than the graph served before); val (deduplicated, missed faces
counted wrong) is reported beside it and never used to choose.

`nice -n 10 /usr/bin/python3 training/face/choose_pixel_graph.py [--cache .cache/face]
    [--candidates pixel_ckpt_1.1.0.pt:mirror,...]` → training/face/results/pixel_graph_choice.json

A candidate is checkpoint names joined by "+", then ":crop" or ":mirror".
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dedup_fer import group_ids, image_hashes, read_images  # noqa: E402
from pixel_model import FlipAveraged  # noqa: E402
from train_pixel import carve_out, combine, fit_combination, load_member, log_softmax, logits_in_batches, read_split  # noqa: E402

DEFAULT_CANDIDATES = ",".join([
    "pixel_ckpt_1.1.0.pt:mirror", "pixel_ckpt_s11.pt:mirror", "pixel_ckpt_1.1.0.pt+pixel_ckpt_ft.pt:crop",
    "pixel_ckpt_1.1.0.pt+pixel_ckpt_s11.pt:crop", "pixel_ckpt_1.1.0.pt+pixel_ckpt_s11.pt:mirror",
    "pixel_ckpt_1.1.0.pt+pixel_ckpt_ft.pt+pixel_ckpt_s11.pt:mirror"])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cache", default=".cache/face")
    p.add_argument("--data", default="../shared/data")
    p.add_argument("--dedup", default="training/face/results/fer_dedup.json")
    p.add_argument("--blend-card", default="models/face_mlp.card.json")
    p.add_argument("--candidates", default=DEFAULT_CANDIDATES)
    p.add_argument("--seed", type=int, default=7, help="split seed of the carve-out (as train_pixel.py)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default="training/face/results/pixel_graph_choice.json")
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

    logits = {}  # (checkpoint, mirrored) -> (carve-out logits, val logits)

    def member_logits(name, mirrored):
        if (name, mirrored) not in logits:
            model, _ = load_member(os.path.join(args.cache, name))
            model = FlipAveraged(model).eval() if mirrored else model
            logits[(name, mirrored)] = (logits_in_batches(model, train_crops[calib_imgs]),
                                        logits_in_batches(model, val_crops))
        return logits[(name, mirrored)]

    rows = []
    for spec in args.candidates.split(","):
        names, view = spec.split(":")
        if view not in ("crop", "mirror"):
            raise SystemExit(f"candidate {spec}: the view must be crop or mirror")
        names = names.split("+")
        parts = [member_logits(n, view == "mirror") for n in names]
        lc, lv = np.mean([q[0] for q in parts], 0), np.mean([q[1] for q in parts], 0)
        comb = fit_combination(lb_calib, log_softmax(lc), y_calib)
        pooled_val = np.where(has_crop[:, None], combine(lb_val, log_softmax(lv[scored]), comb), lb_val)
        right = pooled_val.argmax(1) == y_val[scored]
        row = {"members": names, "view": view, "cnnPasses": len(names) * (2 if view == "mirror" else 1),
               "carveOutPooled": round(float((combine(lb_calib, log_softmax(lc), comb).argmax(1) == y_calib).mean()), 4),
               "carveOutPixel": round(float((lc.argmax(1) == y_calib).mean()), 4),
               "valPooledFacesFound": round(float(right.mean()), 4),
               "valPooledAllImages": round(float(right.sum() / len(keep)), 4)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    with open(args.out, "w") as f:
        json.dump({"command": "nice -n 10 /usr/bin/python3 training/face/choose_pixel_graph.py " + " ".join(sys.argv[1:]),
                   "valImagesDeduplicated": int(len(keep)), "valScored": int(len(scored)), "candidates": rows},
                  f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
