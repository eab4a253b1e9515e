import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BatchScheduler, SchedulerOverloadError, SchedulerTimeoutError } from "./batch_scheduler.ts";

describe("BatchScheduler", () => {
  it("runs requests from many callers together and returns each caller its own result", async () => {
    const sizes: number[] = [];
    const s = new BatchScheduler((xs: number[]) => {
      sizes.push(xs.length);
      return Promise.resolve(xs.map((x) => x * 2));
    }, { maxBatch: 8, maxWaitMs: 5 });
    const out = await Promise.all(Array.from({ length: 20 }, (_, i) => s.submit(i)));
    assert.deepEqual(out, Array.from({ length: 20 }, (_, i) => i * 2));
    assert.ok(Math.max(...sizes) === 8 && sizes.length <= 4, `batches ${sizes}`);
  });

  it("rejects new requests past maxQueue instead of growing", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => release = r);
    const s = new BatchScheduler(async (xs: number[]) => (await gate, xs), { maxBatch: 2, maxQueue: 4, maxWaitMs: 0 });
    const first = s.submit(0);
    await new Promise((r) => setTimeout(r, 5)); // the first batch is now running
    const queued = [1, 2, 3, 4].map((x) => s.submit(x));
    await assert.rejects(s.submit(5), SchedulerOverloadError);
    release();
    assert.deepEqual(await Promise.all([first, ...queued]), [0, 1, 2, 3, 4]);
    assert.equal(s.stats.rejected, 1);
  });

  it("fails every request of a failed batch and keeps serving later ones", async () => {
    let calls = 0;
    const s = new BatchScheduler((xs: number[]) => {
      if (calls++ === 0) return Promise.reject(new Error("model broke"));
      return Promise.resolve(xs);
    }, { maxWaitMs: 0 });
    await assert.rejects(s.submit(1), /model broke/);
    assert.equal(await s.submit(2), 2);
  });
});

describe("BatchScheduler under faults", () => {
  it("fails only the bad input of a failed batch; the other callers get their results", async () => {
    const s = new BatchScheduler((xs: number[]) => {
      if (xs.includes(13)) return Promise.reject(new Error("bad input 13"));
      return Promise.resolve(xs.map((x) => x + 1));
    }, { maxBatch: 8, maxWaitMs: 5 });
    const out = await Promise.allSettled([1, 2, 13, 4].map((x) => s.submit(x)));
    assert.deepEqual(out.map((o) => o.status), ["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    assert.deepEqual(
      out.filter((o) => o.status === "fulfilled").map((o) => (o as PromiseFulfilledResult<number>).value),
      [2, 3, 5],
    );
    assert.equal(s.stats.isolatedFailures, 1);
  });

  it("fails a hung model call with SchedulerTimeoutError and keeps serving", async () => {
    let calls = 0;
    const s = new BatchScheduler((xs: number[]) => {
      if (calls++ === 0) return new Promise<number[]>(() => {}); // never settles
      return Promise.resolve(xs);
    }, { maxWaitMs: 0, timeoutMs: 50 });
    await assert.rejects(s.submit(1), SchedulerTimeoutError);
    assert.equal(await s.submit(2), 2);
    assert.equal(s.stats.timeouts, 1);
  });
});
