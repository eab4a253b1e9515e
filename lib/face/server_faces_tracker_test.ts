import assert from "node:assert/strict";
import { type Box, FaceIdTracker, iou } from "./server_faces_tracker.ts";

Deno.test("iou is 1 for equal boxes, 0 for disjoint ones and symmetric", () => {
  const a: Box = [0.1, 0.1, 0.2, 0.2];
  assert.ok(Math.abs(iou(a, a) - 1) < 1e-9);
  assert.equal(iou(a, [0.5, 0.5, 0.1, 0.1]), 0);
  const b: Box = [0.2, 0.1, 0.2, 0.2];
  assert.ok(Math.abs(iou(a, b) - 1 / 3) < 1e-9);
  assert.equal(iou(a, b), iou(b, a));
});

Deno.test("FaceIdTracker keeps ids of faces that move, swap order or briefly vanish", () => {
  const t = new FaceIdTracker();
  const left: Box = [0.1, 0.3, 0.2, 0.3], right: Box = [0.6, 0.3, 0.2, 0.3];
  assert.deepEqual(t.assign([left, right], 0), ["f1", "f2"]);
  // order of detection swapped, both moved a little
  assert.deepEqual(t.assign([[0.62, 0.31, 0.2, 0.3], [0.12, 0.3, 0.2, 0.3]], 500), ["f2", "f1"]);
  // a big move without overlap still continues by centroid distance
  assert.deepEqual(t.assign([[0.3, 0.3, 0.2, 0.3]], 1000), ["f1"]);
  // f2 comes back within maxGapMs
  assert.deepEqual(t.assign([[0.3, 0.3, 0.2, 0.3], right], 2000), ["f1", "f2"]);
});

Deno.test("FaceIdTracker gives a new id to a face unseen for longer than maxGapMs or far away", () => {
  const t = new FaceIdTracker({ maxGapMs: 1000 });
  assert.deepEqual(t.assign([[0.1, 0.1, 0.1, 0.1]], 0), ["f1"]);
  assert.deepEqual(t.assign([[0.1, 0.1, 0.1, 0.1]], 2500), ["f2"]);
  assert.deepEqual(t.assign([[0.8, 0.8, 0.1, 0.1]], 2600), ["f3"]);
  assert.throws(() => new FaceIdTracker({ minIou: 0 }), RangeError);
});
