"""The pixel expression model: a compact CNN on the aligned 48x48 gray face crop (static/face/pixel_crop.js).

Per-image standardisation is part of the network (so the exported ONNX takes the crop's gray values / 255 and
lighting offsets and contrast do not matter); four conv stages 32-64-128-256 with batch norm; global average
pooling; dropout; a linear layer to the 7 logits.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

CROP = 48
STD_EPS = 0.02  # gray units / 255: a flat crop (no face texture) is not blown up into noise


def conv_bn(i, o, stride=1):
    return [nn.Conv2d(i, o, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True)]


class PixelCnn(nn.Module):
    """48x48 gray crop in [0, 1] -> 7 logits. About 1.1 M parameters."""

    def __init__(self, dropout=0.3):
        super().__init__()
        self.features = nn.Sequential(
            *conv_bn(1, 32, stride=2),  # 24x24: the stride-2 first layer keeps training within a CPU budget
            *conv_bn(32, 64), nn.MaxPool2d(2),  # 12x12
            *conv_bn(64, 128), *conv_bn(128, 128), nn.MaxPool2d(2),  # 6x6
            *conv_bn(128, 256), *conv_bn(256, 256), nn.MaxPool2d(2),  # 3x3
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(256, 7)

    def forward(self, crop):
        mean = crop.mean(dim=(2, 3), keepdim=True)
        std = (crop - mean).pow(2).mean(dim=(2, 3), keepdim=True).sqrt()
        x = (crop - mean) / (std + STD_EPS)
        x = self.features(x)
        x = x.mean(dim=(2, 3))
        return self.head(self.dropout(x))


class FlipAveraged(nn.Module):
    """The mean of a model's logits on the crop and on its mirror image (exported as one graph)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, crop):
        return 0.5 * (self.model(crop) + self.model(crop.flip(3)))


class Ensemble(nn.Module):
    """The mean of the logits of independently trained members (exported as one graph)."""

    def __init__(self, members):
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, crop):
        return torch.stack([m(crop) for m in self.members]).mean(0)


def augment(x, rng_t):
    """Random horizontal flip, rotation ±10°, scale 0.9-1.1, shift ±3 px, gamma 0.7-1.4 of a [B,1,48,48] batch."""
    b = x.shape[0]
    g = rng_t
    flip = torch.rand(b, generator=g) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    angle = (torch.rand(b, generator=g) * 2 - 1) * (10 * 3.14159265 / 180)
    scale = 0.9 + 0.2 * torch.rand(b, generator=g)
    shift = (torch.rand(b, 2, generator=g) * 2 - 1) * (2 * 3 / CROP)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    gamma = torch.exp((torch.rand(b, 1, 1, 1, generator=g) * 2 - 1) * 0.35)
    return x.clamp(1e-4, 1).pow(gamma)
