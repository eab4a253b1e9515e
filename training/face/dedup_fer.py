"""Exact-duplicate images in FER2013 (pixel hash), so that no figure is measured on images seen in training.

FER2013 was scraped from image search: the same photo appears several times, within the Training split and
across Training and PublicTest. This module hashes the raw 48x48 bytes (SHA-1; equal hash = identical pixels)
and provides
- the val (PublicTest) images identical to a train image, dropped from every "val (deduplicated)" figure;
- duplicate groups inside train, so that a hold-out carved out of train puts all copies of an image on one side.

`/usr/bin/python3 training/face/dedup_fer.py [--data ../shared/data] [--out training/face/results/fer_dedup.json]`
writes the counts and the val indices to drop (read by train_face.py, the pixel trainer and evaluate_face.ts).
"""
import argparse
import gzip
import hashlib
import json
import os

import numpy as np

FER_PIXELS = 48 * 48
FER_LABELS = ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"]


def read_images(data_dir, split):
    with gzip.open(os.path.join(data_dir, "face", "fer2013", split + ".u8.gz")) as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8)
    return raw.reshape(-1, FER_PIXELS)


def read_labels(data_dir, split):
    with open(os.path.join(data_dir, "face", "fer2013", split + ".csv")) as f:
        rows = f.read().strip().split("\n")[1:]
    return [r.split(",")[1] for r in rows]


def image_hashes(images):
    """SHA-1 of each image's bytes."""
    return [hashlib.sha1(img.tobytes()).hexdigest() for img in images]


def group_ids(hashes):
    """Integer id per image; identical images share an id."""
    ids, seen = np.empty(len(hashes), dtype=np.int64), {}
    for i, h in enumerate(hashes):
        ids[i] = seen.setdefault(h, len(seen))
    return ids


def val_duplicates(train_hashes, val_hashes):
    """Indices of val images whose pixels equal some train image."""
    train = set(train_hashes)
    return [i for i, h in enumerate(val_hashes) if h in train]


def group_holdout(labels, groups, fraction, rng):
    """Stratified hold-out mask that keeps every duplicate group on one side.

    Groups are assigned whole, in random order, to the hold-out of their first member's class until that class
    reaches `fraction` of its images."""
    labels, groups = np.asarray(labels), np.asarray(groups)
    hold = np.zeros(len(labels), dtype=bool)
    members = {}
    for i, g in enumerate(groups):
        members.setdefault(int(g), []).append(i)
    for c in np.unique(labels):
        target = int(round(fraction * int((labels == c).sum())))
        gs = sorted({int(groups[i]) for i in np.flatnonzero(labels == c) if members[int(groups[i])][0] == i})
        rng.shuffle(gs)
        taken = 0
        for g in gs:
            if taken >= target:
                break
            hold[members[g]] = True
            taken += len(members[g])
    return hold


def copies_across(mask, groups):
    """Number of held-out images with an identical copy on the other side of the mask."""
    groups = np.asarray(groups)
    inside = set(groups[~mask].tolist())
    return int(sum(1 for g in groups[mask] if int(g) in inside))


def summarise(data_dir):
    train, val = read_images(data_dir, "train"), read_images(data_dir, "val")
    lt, lv = read_labels(data_dir, "train"), read_labels(data_dir, "val")
    ht, hv = image_hashes(train), image_hashes(val)
    first_label = {}
    for h, lab in zip(ht, lt):
        first_label.setdefault(h, set()).add(lab)
    dup = val_duplicates(ht, hv)
    other_label = [i for i in dup if lv[i] not in first_label[hv[i]]]
    mixed = [i for i in dup if lv[i] in first_label[hv[i]] and len(first_label[hv[i]]) > 1]
    gt = group_ids(ht)
    sizes = np.bincount(gt)
    return {
        "method": "SHA-1 of the raw 48x48 bytes; equal hash = pixel-identical",
        "trainImages": len(ht),
        "valImages": len(hv),
        "trainDistinct": int(len(sizes)),
        "trainRedundantCopies": int(len(ht) - len(sizes)),
        "trainImagesWithACopyInTrain": int((sizes[gt] > 1).sum()),
        "trainDuplicateGroups": int((sizes > 1).sum()),
        "valIdenticalToTrain": len(dup),
        "valIdenticalToTrainWithAnotherLabel": len(other_label),
        "valIdenticalToTrainWhoseTrainCopiesDisagree": len(mixed),
        "valDeduplicatedImages": len(hv) - len(dup),
        "valDropIndices": dup,
        "valOtherLabelIndices": other_label,
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="../shared/data")
    p.add_argument("--out", default="training/face/results/fer_dedup.json")
    args = p.parse_args()
    s = summarise(args.data)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(s, f, indent=1)
    print(json.dumps({k: v for k, v in s.items() if not k.endswith("Indices")}, indent=1))


if __name__ == "__main__":
    main()
