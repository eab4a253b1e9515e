"""Horizontal mirroring of face features (the feature-space twin of flipping the photo).

Mirroring swaps Left/Right blendshapes, negates yaw and roll, and in the eye-aligned geometry
maps point j to (-x, y) of its mirror partner. The partner of each landmark is found from the
mean training shape: the point nearest to the reflection of its mean position.
"""
import numpy as np

BLENDSHAPE_NAMES = [
    "_neutral", "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "eyeBlinkLeft", "eyeBlinkRight", "eyeLookDownLeft",
    "eyeLookDownRight", "eyeLookInLeft", "eyeLookInRight", "eyeLookOutLeft", "eyeLookOutRight", "eyeLookUpLeft",
    "eyeLookUpRight", "eyeSquintLeft", "eyeSquintRight", "eyeWideLeft", "eyeWideRight", "jawForward", "jawLeft",
    "jawOpen", "jawRight", "mouthClose", "mouthDimpleLeft", "mouthDimpleRight", "mouthFrownLeft",
    "mouthFrownRight", "mouthFunnel", "mouthLeft", "mouthLowerDownLeft", "mouthLowerDownRight", "mouthPressLeft",
    "mouthPressRight", "mouthPucker", "mouthRight", "mouthRollLower", "mouthRollUpper", "mouthShrugLower",
    "mouthShrugUpper", "mouthSmileLeft", "mouthSmileRight", "mouthStretchLeft", "mouthStretchRight",
    "mouthUpperUpLeft", "mouthUpperUpRight", "noseSneerLeft", "noseSneerRight",
]
NUM_BLENDSHAPES = 52
POSE = NUM_BLENDSHAPES
GEOMETRY = NUM_BLENDSHAPES + 3


def blendshape_permutation():
    """Index of each blendshape's Left/Right counterpart (itself when it has none)."""
    perm = list(range(NUM_BLENDSHAPES))
    for i, name in enumerate(BLENDSHAPE_NAMES):
        for a, b in (("Left", "Right"), ("Right", "Left")):
            if name.endswith(a):
                perm[i] = BLENDSHAPE_NAMES.index(name[: -len(a)] + b)
    return np.asarray(perm)


def mirror_permutation(x):
    """Geometry point partners from the mean shape of feature rows x (made symmetric: a point
    whose nearest reflection is not mutual maps to itself)."""
    g = x[:, GEOMETRY:].mean(axis=0).reshape(-1, 2)
    reflected = g * np.array([-1.0, 1.0])
    d = ((reflected[:, None, :] - g[None, :, :]) ** 2).sum(axis=2)
    partner = d.argmin(axis=1)
    mutual = partner[partner] == np.arange(len(g))
    partner[~mutual] = np.flatnonzero(~mutual)
    return {"blendshapes": blendshape_permutation(), "points": partner}


def mirror_features(x, mirror):
    """Mirrored copies of feature rows x."""
    out = np.empty_like(x)
    out[:, :NUM_BLENDSHAPES] = x[:, mirror["blendshapes"]]
    out[:, POSE] = -x[:, POSE]
    out[:, POSE + 1] = x[:, POSE + 1]
    out[:, POSE + 2] = -x[:, POSE + 2]
    pts = x[:, GEOMETRY:].reshape(len(x), -1, 2)[:, mirror["points"], :]
    pts = pts * np.array([-1.0, 1.0], dtype=x.dtype)
    out[:, GEOMETRY:] = pts.reshape(len(x), -1)
    return out
