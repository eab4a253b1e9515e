"""Voice head validation predictions without leakage: the shipped model is trained on every
speaker, so this re-runs its recipe (the card's feature set and hyper-parameters, speaker-grouped
6-fold CV as in training/voice/train.py) and keeps each clip's out-of-fold logits.

  /usr/bin/python3 training/fusion/voice_oof.py [--cache ~/.cache/affectstream/voice/voice_features.json]
      [--card models/voice_emotion.card.json] [--seeds 3]
writes ~/.cache/affectstream/fusion/voice_val.json (HeadPredictions, training/fusion/head_predictions.ts)."""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "voice"))
import voice_training as vt  # noqa: E402

torch.set_num_threads(1)
N_FOLDS = 6
SHRINK_K = 10.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default=os.path.expanduser("~/.cache/affectstream/voice/voice_features.json"))
    ap.add_argument("--card", default="models/voice_emotion.card.json")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--out", default=os.path.expanduser("~/.cache/affectstream/fusion/voice_val.json"))
    ap.add_argument("--drops", default=os.path.expanduser("~/.cache/affectstream/fusion/voice_drops.json"),
                    help="packet-loss features from voice_drops.ts; scored by the same fold models when present")
    args = ap.parse_args()
    card = json.load(open(args.card))
    cols = card["inputs"][0]["featureIndices"]
    hp = card["architecture"]["hyperparameters"]
    shrink = card["normalization"].get("shrinkage", SHRINK_K)
    X_all, y, speakers, corpora, paths, _ = vt.load_cache(args.cache)
    X = X_all[:, cols]
    folds = vt.speaker_folds(speakers, N_FOLDS)
    logits = np.zeros((len(y), 7))
    drops = None
    if os.path.exists(args.drops):
        d = json.load(open(args.drops))
        by_path = {c["path"]: c for c in d["clips"]}
        drops = [by_path[p] for p in paths]
        n_levels = len(d["levels"])
        extent_path = os.path.join(os.path.dirname(args.drops), "voice_extent.json")
        if os.path.exists(extent_path):
            # coverage as live: voiced frames over the speech span (first to last voiced frame of the
            # clean clip within its VAD-trimmed span; voice_extent's frames count that span's frames,
            # the frames voice_drops' voiced share is over)
            ext = json.load(open(extent_path))
            for c in drops:
                e = ext[c["path"]]
                span = max(1, e["lastVoiced"] - e["firstVoiced"] + 1)
                c["coverage"] = [round(min(1.0, r * e["frames"] / span), 4) for r in c["coverage"]]
        drop_logits = [[None] * n_levels for _ in paths]
    for f in np.unique(folds):
        tr, te = folds != f, folds == f
        pm, pv = vt.prior_stats(X[tr])
        weights = vt.corpus_weights(corpora[tr], hp["corpus_power"]) if "corpus_power" in hp else None
        model = vt.train_ensemble(vt.speaker_normalise(X[tr], speakers[tr], pm, pv, shrink), y[tr], hp,
                                  list(range(args.seeds)), weights)
        logits[te] = vt.predict_logits(model, vt.speaker_normalise(X[te], speakers[te], pm, pv, shrink))
        if drops is not None:
            # degraded utterances normalised with the speaker's statistics from clean clips (as live,
            # where the statistics accumulate over the speaker's earlier utterances)
            for i in np.flatnonzero(te):
                m, v = vt.shrunk_stats(X[speakers == speakers[i]], pm, pv, shrink)
                for lvl, feats in enumerate(drops[i]["features"]):
                    if feats is not None:
                        z = vt.normalise(np.asarray(feats, dtype=np.float64)[cols][None, :], m, v)
                        drop_logits[i][lvl] = vt.predict_logits(model, z)[0].tolist()
        sys.stderr.write(f"fold {f}: acc {float((logits[te].argmax(1) == y[te]).mean()):.3f}\n")
    # the temperature each clip would get: fitted on the other folds' out-of-fold logits
    temps = {int(f): float(vt.fit_temperature(logits[folds != f], y[folds != f])) for f in np.unique(folds)}
    acc = float((logits.argmax(1) == y).mean())
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    out = dict(modality="voice", model=f"{card['name']}@{card['version']}",
               temperature=float(np.mean(list(temps.values()))),
               protocol=f"speaker-grouped {N_FOLDS}-fold CV re-run of the card's recipe ({args.seeds} seeds), "
                        f"out-of-fold logits; speaker statistics from the held-out speaker's clips",
               foldTemperatures=temps,
               samples=[dict(id=paths[i], label=int(y[i]), logits=logits[i].tolist(), group=str(speakers[i]),
                             fold=int(folds[i]), corpus=str(corpora[i]),
                             **(dict(coverage=drops[i]["coverage"][0], dropLogits=drop_logits[i],
                                     dropCoverage=drops[i]["coverage"]) if drops is not None else {}))
                        for i in range(len(y))])
    json.dump(out, open(args.out, "w"))
    print(f"voice: {len(y)} out-of-fold predictions, accuracy {acc:.4f} → {args.out}")


if __name__ == "__main__":
    main()
