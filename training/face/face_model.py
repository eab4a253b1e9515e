"""The face model: a per-frame MLP over blendshapes, head pose and eye-aligned landmark geometry.

Standardisation (training mean/std) is a fixed first layer, so the exported ONNX takes the raw
feature vector that lib/face/face_features.ts computes and returns logits.
"""
import numpy as np
import torch
from torch import nn

NUM_CLASSES = 7


class FaceMlp(nn.Module):
    """Standardise -> [Linear -> LayerNorm -> GELU -> Dropout] x len(hidden) -> Linear (logits)."""

    def __init__(self, in_dim, hidden=(256, 128), dropout=0.3, mean=None, std=None):
        super().__init__()
        self.register_buffer("mean", torch.zeros(in_dim) if mean is None else torch.as_tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.ones(in_dim) if std is None else torch.as_tensor(std, dtype=torch.float32))
        layers = []
        d = in_dim
        for h in hidden:
            layers += [nn.Linear(d, h), nn.LayerNorm(h), nn.GELU(), nn.Dropout(dropout)]
            d = h
        layers.append(nn.Linear(d, NUM_CLASSES))
        self.net = nn.Sequential(*layers)

    def forward(self, features):
        return self.net((features - self.mean) / self.std)


def standardisation(x):
    """Per-feature mean and std (std floored at 1e-6 so constant features stay finite)."""
    mean = x.mean(axis=0)
    std = np.maximum(x.std(axis=0), 1e-6)
    return mean.astype(np.float32), std.astype(np.float32)
