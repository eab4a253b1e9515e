"""Pure pieces of the voice model training: data loading, per-speaker normalisation with a
shrinkage prior (the same formula lib/voice/speaker_normalizer.ts applies live), speaker-grouped
folds, the MLP ensemble, metrics (UAR, accuracy, confusion, ECE) and temperature scaling.
Imported by train.py and the unit tests; numpy + torch only."""
import json
import math
import sys
import time

import numpy as np
import torch
from torch import nn

EMOTIONS = ["neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised"]
CLIP_Z = 5.0  # z-scores are clipped to ±CLIP_Z after normalisation (heavy-tailed ratios)


def load_cache(path):
    """Returns (X float64 [N,D], y int [N], speakers [N], corpora [N], paths [N], feature names)."""
    with open(path) as f:
        cache = json.load(f)
    clips = [c for c in cache["clips"] if c["label"] in EMOTIONS]
    X = np.array([c["features"] for c in clips], dtype=np.float64)
    y = np.array([EMOTIONS.index(c["label"]) for c in clips])
    speakers = np.array([c["speaker"] for c in clips])
    corpora = np.array([c["corpus"] for c in clips])
    paths = [c["path"] for c in clips]
    if not np.all(np.isfinite(X)):
        raise ValueError("non-finite features in cache")
    return X, y, speakers, corpora, paths, list(cache["featureNames"])


def prior_stats(X):
    """Corpus-level mean and variance used as the shrinkage prior."""
    return X.mean(axis=0), X.var(axis=0) + 1e-12


def shrunk_stats(Xs, prior_mean, prior_var, k):
    """Speaker mean/variance from n utterances shrunk towards the prior with k pseudo-utterances:
    m = (n·m_s + k·m_0)/(n+k), v = (n·v_s + k·v_0)/(n+k)."""
    n = Xs.shape[0]
    if n == 0:
        return prior_mean.copy(), prior_var.copy()
    m_s, v_s = Xs.mean(axis=0), Xs.var(axis=0)
    return (n * m_s + k * prior_mean) / (n + k), (n * v_s + k * prior_var) / (n + k)


def normalise(X, mean, var):
    """z-score with the given statistics, clipped to ±CLIP_Z."""
    return np.clip((X - mean) / np.sqrt(var), -CLIP_Z, CLIP_Z)


def speaker_normalise(X, speakers, prior_mean, prior_var, k):
    """Normalises every speaker's utterances with that speaker's (shrunk) statistics over all of them."""
    Z = np.empty_like(X)
    for s in np.unique(speakers):
        idx = speakers == s
        m, v = shrunk_stats(X[idx], prior_mean, prior_var, k)
        Z[idx] = normalise(X[idx], m, v)
    return Z


def online_normalise(X, speakers, prior_mean, prior_var, k, seed=0):
    """Live simulation: each utterance is normalised with the statistics of the utterances of its
    speaker that came before it (random order); the first uses the prior alone."""
    rng = np.random.default_rng(seed)
    Z = np.empty_like(X)
    for s in np.unique(speakers):
        idx = np.flatnonzero(speakers == s)
        order = rng.permutation(idx)
        for i, j in enumerate(order):
            m, v = shrunk_stats(X[order[:i]], prior_mean, prior_var, k)
            Z[j] = normalise(X[j:j + 1], m, v)[0]
    return Z


def speaker_folds(speakers, n_folds):
    """Fold index per utterance; every speaker in exactly one fold, each corpus' speakers dealt
    round-robin in sorted order so every fold holds speakers of both corpora."""
    fold_of = {}
    for corpus in sorted({s.split(":")[0] for s in speakers}):
        for i, s in enumerate(sorted({s for s in speakers if s.startswith(corpus + ":")})):
            fold_of[s] = i % n_folds
    return np.array([fold_of[s] for s in speakers])


class Ensemble(nn.Module):
    """Average of the members' logits."""

    def __init__(self, members):
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, x):
        return torch.stack([m(x) for m in self.members], dim=0).mean(dim=0)


def make_mlp(d_in, hidden, dropout):
    return nn.Sequential(nn.Dropout(0.1), nn.Linear(d_in, hidden), nn.ReLU(), nn.Dropout(dropout),
                         nn.Linear(hidden, len(EMOTIONS)))


def class_weights(y):
    """Inverse class frequency, normalised to mean 1 (classes absent from y get weight 0)."""
    counts = np.bincount(y, minlength=len(EMOTIONS)).astype(np.float64)
    w = np.where(counts > 0, counts.sum() / np.maximum(counts, 1) / np.count_nonzero(counts), 0.0)
    return torch.tensor(w, dtype=torch.float32)


def corpus_weights(corpora, power):
    """Per-utterance weight (N / (C·N_c))^power: power 0 leaves the corpora as they are, 1 gives
    each corpus equal total weight (RAVDESS has three times EmoDB's utterances)."""
    names, counts = np.unique(corpora, return_counts=True)
    per = {c: (len(corpora) / (len(names) * n)) ** power for c, n in zip(names, counts)}
    return np.array([per[c] for c in corpora])


def train_member(Z, y, hp, seed, sample_weight=None):
    """Full-batch AdamW on class- and corpus-weighted cross-entropy with Gaussian input noise."""
    torch.manual_seed(seed)
    model = make_mlp(Z.shape[1], hp["hidden"], hp["dropout"])
    opt = torch.optim.AdamW(model.parameters(), lr=hp["lr"], weight_decay=hp["weight_decay"])
    xt = torch.tensor(Z, dtype=torch.float32)
    yt = torch.tensor(y)
    sw = torch.ones(len(y)) if sample_weight is None else torch.tensor(sample_weight, dtype=torch.float32)
    w = sw * class_weights(y)[yt]
    model.train()
    for _ in range(hp["epochs"]):
        opt.zero_grad()
        losses = nn.functional.cross_entropy(model(xt + hp["noise"] * torch.randn_like(xt)), yt, reduction="none")
        loss = (losses * w).sum() / w.sum()
        loss.backward()
        opt.step()
    model.eval()
    return model


def train_ensemble(Z, y, hp, seeds, sample_weight=None):
    return Ensemble([train_member(Z, y, hp, s, sample_weight) for s in seeds]).eval()


def predict_logits(model, Z):
    with torch.no_grad():
        return model(torch.tensor(Z, dtype=torch.float32)).numpy().astype(np.float64)


def softmax(logits, temperature=1.0):
    z = logits / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def confusion(y, pred, n=len(EMOTIONS)):
    cm = np.zeros((n, n), dtype=np.int64)
    for a, b in zip(y, pred):
        cm[a, b] += 1
    return cm


def uar(y, pred):
    """Unweighted average recall over the classes present in y."""
    cm = confusion(y, pred)
    rows = cm.sum(axis=1)
    present = rows > 0
    return float(np.mean(np.diag(cm)[present] / rows[present]))


def accuracy(y, pred):
    return float(np.mean(np.asarray(y) == np.asarray(pred)))


def ece(probs, y, n_bins=15):
    """Expected calibration error with equal-width confidence bins (Guo et al. 2017)."""
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == y
    edges = np.linspace(0, 1, n_bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            total += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(total)


def fit_temperature(logits, y):
    """Temperature minimising the negative log-likelihood (golden-section search on log T)."""
    def nll(log_t):
        p = softmax(logits, math.exp(log_t))
        return -np.mean(np.log(p[np.arange(len(y)), y] + 1e-12))
    a, b = math.log(0.05), math.log(20.0)
    g = (math.sqrt(5) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)
    for _ in range(80):
        if nll(c) < nll(d):
            b = d
        else:
            a = c
        c, d = b - g * (b - a), a + g * (b - a)
    return math.exp((a + b) / 2)


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, label, total, width=30):
        self.label, self.total, self.width, self.done, self.t0 = label, total, width, 0, time.time()

    def step(self, note=""):
        self.done += 1
        frac = self.done / max(self.total, 1)
        el = time.time() - self.t0
        eta = el * (1 - frac) / frac if frac > 0 else 0
        bar = "#" * round(frac * self.width) + "." * (self.width - round(frac * self.width))
        sys.stderr.write(f"\r{self.label} [{bar}] {self.done}/{self.total} {el:.0f}s elapsed, {eta:.0f}s left {note}   ")
        if self.done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()
