import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EventLog } from "./event_log.ts";
import type { SessionEvent } from "../protocol/events.ts";

const body = (n: number) => ({
  type: "utterance.start" as const,
  participantId: "p",
  utteranceId: `u${n}`,
  startMs: n,
});

describe("EventLog", () => {
  it("numbers events with strictly increasing seq from 1", () => {
    const log = new EventLog("s");
    const seqs = [1, 2, 3].map((n) => log.publish(body(n)).seq);
    assert.deepEqual(seqs, [1, 2, 3]);
    assert.equal(log.lastSeq, 3);
  });

  it("replays what a subscriber missed after `since`, then streams new events without gap or duplicate", () => {
    const log = new EventLog("s");
    for (let i = 0; i < 5; i++) log.publish(body(i));
    const got: SessionEvent[] = [];
    const { gap } = log.subscribe(2, (e) => got.push(e));
    log.publish(body(5));
    assert.equal(gap, false);
    assert.deepEqual(got.map((e) => e.seq), [3, 4, 5, 6]);
  });

  it("holds a bounded history and reports a gap when `since` is older", () => {
    const log = new EventLog("s", { capacity: 4 });
    for (let i = 0; i < 10; i++) log.publish(body(i));
    assert.equal(log.oldestSeq, 7);
    const got: number[] = [];
    const { gap } = log.subscribe(0, (e) => got.push(e.seq));
    assert.equal(gap, true);
    assert.deepEqual(got, [7, 8, 9, 10]);
  });

  it("keeps publishing to others when one listener throws", () => {
    const log = new EventLog("s");
    const got: number[] = [];
    log.subscribe(0, () => {
      throw new Error("bad listener");
    });
    log.subscribe(0, (e) => got.push(e.seq));
    log.publish(body(1));
    assert.deepEqual(got, [1]);
  });

  it("stops delivering after unsubscribe", () => {
    const log = new EventLog("s");
    const got: number[] = [];
    const { unsubscribe } = log.subscribe(0, (e) => got.push(e.seq));
    log.publish(body(1));
    unsubscribe();
    log.publish(body(2));
    assert.deepEqual(got, [1]);
  });
});
