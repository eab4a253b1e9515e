import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FACE_FEATURE_DIM, faceFeatures, FEATURE_OFFSETS, GEOMETRY_POINTS } from "./face_features.ts";
import type { FaceFrame } from "./face_frame.ts";
import { LANDMARK_SUBSET, LEFT_EYE_OUTER, MESH_POINTS, RIGHT_EYE_OUTER } from "../../static/face/landmark_subset.js";

/** A deterministic pseudo-random full mesh inside [0.3, 0.7]², eyes level. */
function mesh(): number[] {
  let s = 12345;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pts = Array.from({ length: 2 * MESH_POINTS }, () => 0.3 + 0.4 * rnd());
  pts[2 * RIGHT_EYE_OUTER] = 0.4, pts[2 * RIGHT_EYE_OUTER + 1] = 0.45;
  pts[2 * LEFT_EYE_OUTER] = 0.6, pts[2 * LEFT_EYE_OUTER + 1] = 0.45;
  return pts;
}

function frame(landmarks: number[] | undefined, aspect = 1): FaceFrame {
  return {
    type: "face",
    timeMs: 0,
    present: true,
    blendshapes: Array.from({ length: 52 }, (_, i) => i / 100),
    headPose: { yaw: 9, pitch: -18, roll: 4.5 },
    landmarks,
    aspect,
  };
}

function features(f: FaceFrame): Float32Array {
  const out = new Float32Array(FACE_FEATURE_DIM);
  assert.equal(faceFeatures(f, out), null);
  return out;
}

function assertClose(a: Float32Array, b: Float32Array, tol = 1e-5) {
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `feature ${i}: ${a[i]} vs ${b[i]}`);
}

describe("faceFeatures", () => {
  it("lays out blendshapes, head pose / 90 and eye-aligned geometry", () => {
    const f = features(frame(mesh()));
    assert.equal(f.length, 52 + 3 + 2 * GEOMETRY_POINTS);
    assert.ok(Math.abs(f[3] - 0.03) < 1e-7);
    assertClose(f.subarray(FEATURE_OFFSETS.headPose, FEATURE_OFFSETS.geometry), Float32Array.of(0.1, -0.2, 0.05));
    const r = FEATURE_OFFSETS.geometry + 2 * LANDMARK_SUBSET.indexOf(RIGHT_EYE_OUTER);
    const l = FEATURE_OFFSETS.geometry + 2 * LANDMARK_SUBSET.indexOf(LEFT_EYE_OUTER);
    assertClose(f.subarray(r, r + 2), Float32Array.of(-0.5, 0));
    assertClose(f.subarray(l, l + 2), Float32Array.of(0.5, 0));
  });

  it("gives the same geometry for the full mesh and the wire subset", () => {
    const full = mesh();
    const subset = LANDMARK_SUBSET.flatMap((i: number) => [full[2 * i], full[2 * i + 1]]);
    assertClose(features(frame(full)), features(frame(subset)));
  });

  it("is invariant to moving, scaling and rotating the face in the image", () => {
    const base = mesh();
    const a = 0.3, k = 0.7, c = Math.cos(a), s = Math.sin(a);
    const moved = base.map((_, j) => {
      const i = j - (j % 2);
      const x = base[i] - 0.5, y = base[i + 1] - 0.5;
      return j % 2 === 0 ? 0.45 + k * (c * x - s * y) : 0.52 + k * (s * x + c * y);
    });
    assertClose(
      features(frame(base)).subarray(FEATURE_OFFSETS.geometry),
      features(frame(moved)).subarray(FEATURE_OFFSETS.geometry),
      1e-4,
    );
  });

  it("undoes the stretch of a non-square image through the aspect field", () => {
    const base = mesh();
    const wide = base.map((v, j) => (j % 2 === 0 ? v / 1.5 : v)); // the same face in an image 1.5× wider
    assertClose(features(frame(base)), features(frame(wide, 1.5)), 1e-5);
  });

  it("names why a frame has no features", () => {
    const out = new Float32Array(FACE_FEATURE_DIM);
    assert.equal(faceFeatures({ type: "face", timeMs: 0, present: false }, out), "no-face");
    assert.equal(faceFeatures(frame(undefined), out), "no-landmarks");
    assert.equal(faceFeatures(frame([0.1, 0.2]), out), "no-landmarks");
    assert.equal(faceFeatures(frame(new Array(2 * MESH_POINTS).fill(0.5)), out), "degenerate-landmarks");
  });
});
