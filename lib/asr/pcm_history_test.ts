import assert from "node:assert/strict";
import { PcmHistory } from "./pcm_history.ts";

Deno.test("PcmHistory returns a span on the media clock, clipped to what it still holds", () => {
  const h = new PcmHistory(1000); // 16000 samples
  const ramp = (n: number, from: number) => Float32Array.from({ length: n }, (_, i) => ((from + i) % 1000) / 1000);
  h.push(ramp(8000, 0));
  h.push(ramp(16000, 8000)); // 1.5 s pushed: the first 0.5 s is gone
  assert.equal(h.endMs, 1500);
  const s = h.slice(600, 610)!;
  assert.equal(s.length, 160);
  assert.ok(Math.abs(s[0] - ((600 * 16) % 1000) / 1000) < 1e-4);
  assert.equal(h.slice(0, 400), null, "too old");
  assert.equal(h.slice(1600, 1700), null, "not yet pushed");
  assert.equal(h.slice(400, 600)!.length, 100 * 16, "clipped to the oldest held sample");
  assert.throws(() => new PcmHistory(10), RangeError);
});
