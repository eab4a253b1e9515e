import assert from "node:assert/strict";
import { type Box, FaceTracker, iou } from "./face_tracker.ts";

Deno.test("FaceTracker keeps each face's id while faces move and swap list order", () => {
  const t = new FaceTracker();
  const a: Box = [0.1, 0.2, 0.2, 0.3], b: Box = [0.6, 0.2, 0.15, 0.25];
  const first = t.update(0, [a, b]);
  assert.deepEqual(first, [1, 2]);
  for (let k = 1; k <= 10; k++) {
    const a2: Box = [0.1 + 0.01 * k, 0.2, 0.2, 0.3], b2: Box = [0.6 - 0.01 * k, 0.2, 0.15, 0.25];
    assert.deepEqual(t.update(100 * k, [b2, a2]), [2, 1]);
  }
});

Deno.test("FaceTracker keeps the largest maxFaces, and a face gone too long comes back with a new id", () => {
  const t = new FaceTracker({ maxFaces: 2, maxMissedMs: 1000 });
  const boxes: Box[] = [[0, 0, 0.1, 0.1], [0.3, 0, 0.3, 0.3], [0.7, 0, 0.2, 0.2]];
  assert.deepEqual(t.update(0, boxes), [0, 1, 2]);
  assert.deepEqual(t.update(400, [boxes[1]]), [1]); // face 2 unseen: still alive
  assert.deepEqual(t.update(800, [boxes[1], boxes[2]]), [1, 2]);
  assert.deepEqual(t.update(1500, [boxes[2]]), [2]);
  assert.deepEqual(t.update(2000, [boxes[1], boxes[2]]), [3, 2]); // face 1 was gone 1200 ms
  assert.equal(iou([0, 0, 1, 1], [0, 0, 0.5, 1]), 0.5);
  assert.throws(() => new FaceTracker({ maxFaces: 0 }), RangeError);
});
