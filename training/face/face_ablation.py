"""Side experiments behind the face model's design, on the train:face feature cache:
  all478  - geometry from all 478 mesh points instead of the 140-point wire subset
  wide    - hidden (512, 256), dropout 0.4
  deep    - hidden (512, 256, 128), dropout 0.3
Same protocol as train_face.py (seeded 10 % calibration hold-out picks the epoch; val only measured),
60 epochs. Usage: /usr/bin/python3 training/face/face_ablation.py {all478|wide|deep} [cache dir]
"""
import glob
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from face_model import FaceMlp, standardisation  # noqa: E402
torch.set_num_threads(1)
REC = 5 + 52 + 956  # lib/offline/fer_cache.ts RECORD.length
CACHE = sys.argv[2] if len(sys.argv) > 2 else os.path.expanduser("~/.cache/affectstream/face")
def load(split):
    files = sorted(glob.glob(os.path.join(CACHE, split, "*.f32")))
    return np.concatenate([np.fromfile(f, dtype=np.float32).reshape(-1, REC) for f in files])
feat_dir = os.path.join(CACHE, "features")
def geo_all(r):
    lm = r[:, 57:].reshape(len(r), 478, 2).astype(np.float64)
    lm[:, :, 0] *= r[:, 4:5]
    o = (lm[:, 33] + lm[:, 263]) / 2; d = lm[:, 263] - lm[:, 33]; n2 = (d ** 2).sum(1, keepdims=True)
    c, s = d[:, 0:1] / n2, d[:, 1:2] / n2
    x = lm[:, :, 0] - o[:, 0:1]; y = lm[:, :, 1] - o[:, 1:2]
    return np.stack([c * x + s * y, -s * x + c * y], axis=2).reshape(len(r), -1).astype(np.float32)
data = {}
for split in ["train", "val"]:
    meta = json.load(open(f"{feat_dir}/{split}.json"))
    x = np.fromfile(f"{feat_dir}/{split}.f32", dtype=np.float32).reshape(meta["count"], meta["dim"])
    r = load(split)[meta["index"]]
    data[split] = (x, geo_all(r), np.asarray(meta["label"]))
rng = np.random.default_rng(7)
y = data["train"][2]; hold = np.zeros(len(y), bool)
for c in range(7):
    idx = np.flatnonzero(y == c); rng.shuffle(idx); hold[idx[: int(round(0.1 * len(idx)))]] = True
def run(name, xtr, xv, hidden=(256,128), drop=0.3, epochs=60, wd=1e-3):
    torch.manual_seed(7); r = np.random.default_rng(7)
    x, yy, xc, yc = xtr[~hold], y[~hold], xtr[hold], y[hold]
    mean, std = standardisation(x)
    m = FaceMlp(x.shape[1], hidden=hidden, dropout=drop, mean=mean, std=std)
    opt = torch.optim.AdamW(m.parameters(), lr=2e-3, weight_decay=wd)
    sch = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=epochs * ((len(x) + 255) // 256))
    lf = torch.nn.CrossEntropyLoss(label_smoothing=0.05); best = (0, None, 0)
    for e in range(epochs):
        m.train(); o = r.permutation(len(x))
        for s in range(0, len(x), 256):
            b = o[s:s+256]; xb = torch.from_numpy(x[b]); xb = xb + 0.02 * torch.from_numpy(std) * torch.randn_like(xb)
            l = lf(m(xb), torch.from_numpy(yy[b])); opt.zero_grad(); l.backward(); opt.step(); sch.step()
        m.eval()
        with torch.no_grad(): a = (m(torch.from_numpy(xc)).argmax(1).numpy() == yc).mean()
        if a > best[0]: best = (a, {k: v.clone() for k, v in m.state_dict().items()}, e)
    m.load_state_dict(best[1]); m.eval()
    with torch.no_grad(): va = (m(torch.from_numpy(xv)).argmax(1).numpy() == data["val"][2]).mean()
    print(f"{name}: calib {best[0]:.4f} val {va:.4f} epoch {best[2]+1}", flush=True)
xt, gt, _ = data["train"]; xv, gv, _ = data["val"]
which = sys.argv[1] if len(sys.argv) > 1 else ""
if which == "all478":
    run("bs+pose+geo478", np.concatenate([xt[:, :55], gt], 1), np.concatenate([xv[:, :55], gv], 1))
elif which == "wide":
    run("subset, 512-256", xt, xv, hidden=(512, 256), drop=0.4)
elif which == "deep":
    run("subset, 512-256-128", xt, xv, hidden=(512, 256, 128), drop=0.3)
else:
    raise SystemExit(__doc__)
