import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EventJournal } from "./event_journal.ts";
import { EventLog } from "./event_log.ts";

const body = (n: number) => ({
  type: "utterance.start" as const,
  participantId: "p",
  utteranceId: `u${n}`,
  startMs: n,
});

describe("EventJournal", () => {
  it("restores history and seq after a restart, so since-resume spans the restart", async () => {
    const dir = await Deno.makeTempDir();
    const j1 = new EventJournal(dir, "s");
    const log1 = new EventLog("s", { sink: (e) => j1.append(e) });
    for (let i = 0; i < 5; i++) log1.publish(body(i));
    await j1.flush();
    // A new process reads it back.
    const j2 = new EventJournal(dir, "s");
    const log2 = new EventLog("s", { restore: EventJournal.readTail(dir, "s", 100), sink: (e) => j2.append(e) });
    assert.equal(log2.lastSeq, 5);
    assert.equal(log2.publish(body(5)).seq, 6);
    assert.deepEqual(log2.since(3).map((e) => e.seq), [4, 5, 6]);
    await j2.flush();
    assert.deepEqual(EventJournal.readTail(dir, "s", 2).map((e) => e.seq), [5, 6]);
  });

  it("skips a line cut short by a crash and keeps the events before it", async () => {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(
      `${dir}/s.jsonl`,
      JSON.stringify({ ...body(1), seq: 1, sessionId: "s", wallMs: 0 }) + "\n" + '{"seq":2,"ty',
    );
    const log = new EventLog("s", { restore: EventJournal.readTail(dir, "s", 10) });
    assert.equal(log.lastSeq, 1);
    assert.equal(log.oldestSeq, 1);
  });

  it("reports a gap for since older than the restored history", () => {
    const restore = [7, 8, 9].map((seq) => ({ ...body(seq), seq, sessionId: "s", wallMs: 0 }));
    const log = new EventLog("s", { restore });
    assert.equal(log.oldestSeq, 7);
    const { gap } = log.subscribe(2, () => {});
    assert.equal(gap, true);
  });
});
