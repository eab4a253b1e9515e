import assert from "node:assert/strict";
import { FramePacer } from "./frame_pacer.js";

/** Frames taken in `seconds` from a camera at `cameraFps` with a tracker always free. */
function rate(cameraFps: number, targetFps: number, seconds = 10, jitterMs = 0): number {
  const pacer = new FramePacer(targetFps);
  let taken = 0;
  for (let i = 0; i < cameraFps * seconds; i++) {
    const t = (i * 1000) / cameraFps + (i % 2 ? jitterMs : -jitterMs);
    if (pacer.ready(t)) {
      pacer.take();
      taken++;
    }
  }
  return taken / seconds;
}

Deno.test("FramePacer reaches 12 measurements a second from a 15 fps camera (not 7.5)", () => {
  assert.ok(Math.abs(rate(15, 12) - 12) <= 0.2, `${rate(15, 12)}/s`);
  assert.ok(Math.abs(rate(15, 12, 10, 4) - 12) <= 0.3, "with ±4 ms frame jitter");
  assert.ok(Math.abs(rate(30, 12) - 12) <= 0.2);
  assert.ok(Math.abs(rate(25, 12) - 12) <= 0.2);
  assert.equal(rate(10, 12), 10, "a slower camera: every frame");
});

Deno.test("FramePacer banks at most two frames after a pause", () => {
  const pacer = new FramePacer(12);
  pacer.ready(0);
  pacer.take();
  let burst = 0;
  // 5 s without frames, then frames arriving 1 ms apart.
  for (let t = 5000; t < 5010; t++) {
    if (pacer.ready(t)) {
      pacer.take();
      burst++;
    }
  }
  assert.equal(burst, 2);
});
