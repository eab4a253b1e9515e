"""Nested speaker-independent cross-validation of the voice recipe (`deno task train:voice` picks the
feature set and corpus weighting on the same six folds it reports, so its figures carry selection optimism).
Here, for each outer fold, the setting is chosen on the other five folds only (inner out-of-fold UAR, 3 seeds)
and a 5-seed ensemble with that setting predicts the outer fold's speakers, who took no part in the choice.

    /usr/bin/python3 training/voice/nested_cv.py [--cache ~/.cache/affectstream/voice/voice_features.json]

About 20 minutes on one core of the 2-core dev machine (measured: 1,180 s; RAVDESS UAR 0.649, EmoDB 0.772); prints one JSON line per outer fold and the result."""
import argparse
import json
import os
import sys
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train as T  # noqa: E402
import voice_training as vt  # noqa: E402


def choose_setting(X, y, speakers, corpora, folds, groups):
    """The (feature set, hyper-parameters) with the best mean RAVDESS/EmoDB out-of-fold UAR over `folds`."""
    best = None
    for name, cols in groups.items():
        for hp in T.GRID:
            lg = T.oof_logits(X[:, cols], y, speakers, corpora, folds, hp, [0, 1, 2])
            m = T.corpus_metrics(y, lg.argmax(1), corpora)
            score = (m["ravdess"]["uar"] + m["emodb"]["uar"]) / 2
            if best is None or score > best[0]:
                best = (score, name, hp)
    return best[1], best[2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default=os.path.expanduser("~/.cache/affectstream/voice/voice_features.json"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    X, y, speakers, corpora, _, names = vt.load_cache(args.cache)
    folds = vt.speaker_folds(speakers, T.N_FOLDS)
    groups = T.feature_groups(names)
    logits = np.zeros((len(y), len(vt.EMOTIONS)))
    chosen, t0 = [], time.time()
    for f in range(T.N_FOLDS):
        tr, te = folds != f, folds == f
        name, hp = choose_setting(X[tr], y[tr], speakers[tr], corpora[tr], folds[tr], groups)
        cols = groups[name]
        pm, pv = vt.prior_stats(X[tr][:, cols])
        Z = vt.speaker_normalise(X[tr][:, cols], speakers[tr], pm, pv, T.SHRINK_K)
        model = vt.train_ensemble(Z, y[tr], hp, list(range(5)), vt.corpus_weights(corpora[tr], hp["corpus_power"]))
        logits[te] = vt.predict_logits(model, vt.speaker_normalise(X[te][:, cols], speakers[te], pm, pv, T.SHRINK_K))
        chosen.append(dict(fold=f, features=name, corpus_power=hp["corpus_power"]))
        print(json.dumps({**chosen[-1], "elapsedSec": round(time.time() - t0)}), flush=True)
    print(json.dumps(dict(nested=T.corpus_metrics(y, logits.argmax(1), corpora), chosen=chosen)), flush=True)


if __name__ == "__main__":
    main()
