import assert from "node:assert/strict";
import { EventLog } from "./event_log.ts";
import { MemoryStore } from "../store/memory_store.ts";
import { SqliteStore } from "../store/sqlite_store.ts";
import type { EventBody, SessionEvent } from "../protocol/events.ts";
import type { Store, StoreEngine } from "../store/store.ts";

const body = (n: number, participantId = "p"): EventBody => ({
  type: "utterance.start",
  participantId,
  utteranceId: `u${n}`,
  startMs: n,
});

async function storeWith(sessionId = "s"): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.createSession(sessionId);
  return store;
}

/** A store whose appends fail while `failing` is set (disk full, locked file…). */
class FlakyStore extends MemoryStore {
  failing = false;
  appends = 0;
  override append(sessionId: string, bodies: EventBody[]): Promise<SessionEvent[]> {
    this.appends++;
    if (this.failing) return Promise.reject(new Error("disk full"));
    return super.append(sessionId, bodies);
  }
}

Deno.test("without a store, events are numbered from 1 and delivered synchronously (offline analysis)", () => {
  const log = new EventLog("s");
  const got: number[] = [];
  log.subscribe(0, (e) => got.push(e.seq));
  for (let i = 0; i < 3; i++) void log.publish(body(i));
  assert.deepEqual(got, [1, 2, 3]);
  assert.equal(log.lastSeq, 3);
});

Deno.test("seq comes from the store, and an event reaches a listener only after the store committed it", async () => {
  const store = await storeWith();
  await store.append("s", [body(0), body(1)]); // an earlier run
  const log = new EventLog("s", { store });
  const got: SessionEvent[] = [];
  log.subscribe(2, (e) => {
    got.push(e);
  });
  const published = await Promise.all([log.publish(body(2)), log.publish(body(3))]);
  assert.deepEqual(published.map((e) => e.seq), [3, 4]);
  await log.waitForEvents(3, 1000);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(got.map((e) => e.seq), [3, 4]);
  for (const e of got) assert.ok((await store.read("s", e.seq - 1, 1))[0]?.seq === e.seq, "committed before delivery");
});

Deno.test("events published in one tick are appended as one batch, in order", async () => {
  const store = await storeWith();
  let calls = 0;
  const orig = store.append.bind(store);
  store.append = (sid, bodies) => (calls++, orig(sid, bodies));
  const log = new EventLog("s", { store });
  const all = await Promise.all(Array.from({ length: 50 }, (_, i) => log.publish(body(i))));
  assert.deepEqual(all.map((e) => e.seq), Array.from({ length: 50 }, (_, i) => i + 1));
  assert.equal(calls, 1);
});

Deno.test("partials are live only: no seq, not stored, not replayed; stored when asked", async () => {
  const store = await storeWith();
  const log = new EventLog("s", { store });
  const live: SessionEvent[] = [];
  log.onLive((e) => live.push(e));
  const partial = { type: "emotion.partial", participantId: "p", utteranceId: "u1", startMs: 0, endMs: 1 } as unknown as EventBody;
  await log.publish(partial);
  await log.publish(body(1));
  assert.equal(live.length, 1);
  assert.equal("seq" in live[0], false);
  assert.deepEqual((await store.read("s", 0, 10)).map((e) => e.type), ["utterance.start"]);
  const stored = new EventLog("s", { store, storePartials: true });
  const e = await stored.publish(partial);
  assert.equal(e.seq, 2);
});

Deno.test("reads older than the tail cache come from the store in pages (incremental restore)", async () => {
  const store = await storeWith();
  await store.append("s", Array.from({ length: 30 }, (_, i) => body(i)));
  const log = new EventLog("s", { store, capacity: 8 });
  await log.ready;
  assert.equal(log.lastSeq, 30);
  let reads = 0;
  const orig = store.read.bind(store);
  store.read = (sid, since, limit) => (reads++, orig(sid, since, limit));
  assert.deepEqual((await log.read(0, 5)).map((e) => e.seq), [1, 2, 3, 4, 5]);
  assert.equal(reads, 1);
  for (let i = 0; i < 10; i++) await log.publish(body(100 + i));
  assert.equal(log.oldestCachedSeq, 33);
  assert.deepEqual((await log.read(30, 4)).map((e) => e.seq), [31, 32, 33, 34]);
  assert.deepEqual((await log.read(36, 100)).map((e) => e.seq), [37, 38, 39, 40]);
  assert.equal(await log.oldestSeq(), 1);
});

Deno.test("a failing store: events continue in memory with local seq, one store_degraded error, and the backlog is written in order on recovery", async () => {
  const store = new FlakyStore();
  await store.createSession("s");
  const states: string[] = [];
  const log = new EventLog("s", { store, retryMs: 30, onStoreState: (s) => states.push(s) });
  const got: SessionEvent[] = [];
  log.subscribe(0, (e) => {
    got.push(e);
  });
  assert.equal((await log.publish(body(1))).seq, 1);
  store.failing = true;
  const during = await Promise.all([log.publish(body(2)), log.publish(body(3))]);
  const more = await log.publish(body(4));
  assert.equal(log.degraded, true);
  assert.deepEqual([...during, more].map((e) => e.seq), [3, 4, 5], "seq 2 is the store_degraded notice");
  await log.waitForEvents(4, 500);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(got.map((e) => e.type === "error" ? (e as { code: string }).code : e.seq), [1, "store_degraded", 3, 4, 5]);
  assert.equal(log.pendingWrites, 4);
  store.failing = false;
  for (let i = 0; i < 50 && log.degraded; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(log.degraded, false);
  assert.deepEqual(states, ["degraded", "ok"]);
  const stored = await store.read("s", 0, 100);
  assert.deepEqual(stored.map((e) => e.seq), [1, 2, 3, 4, 5]);
  assert.deepEqual(stored.map((e) => e.type), ["utterance.start", "error", "utterance.start", "utterance.start", "utterance.start"]);
  assert.equal((await log.publish(body(6))).seq, 6);
  assert.equal(log.pendingWrites, 0);
});

Deno.test("a restarted log over SQLite continues the seq strictly above what was committed", async () => {
  const dir = await Deno.makeTempDir();
  let store: Store = new SqliteStore(`${dir}/e.db`);
  await store.createSession("s");
  const first = new EventLog("s", { store });
  for (let i = 0; i < 5; i++) void first.publish(body(i));
  await first.flush();
  await store.close();
  store = new SqliteStore(`${dir}/e.db`);
  const second = new EventLog("s", { store });
  assert.equal((await second.publish(body(5))).seq, 6);
  assert.deepEqual((await second.read(3, 10)).map((e) => e.seq), [4, 5, 6]);
  await store.close();
});

Deno.test("forgetParticipant removes their events from memory", async () => {
  const store = await storeWith();
  const log = new EventLog("s", { store });
  await Promise.all([log.publish(body(1, "ann")), log.publish(body(2, "bob")), log.publish(body(3, "ann"))]);
  assert.equal(log.forgetParticipant("ann"), 2);
  assert.deepEqual((await log.read(0, 10)).map((e) => e.participantId), ["bob"]);
});

Deno.test("a listener that throws does not stop delivery to others", () => {
  const log = new EventLog("s");
  const got: number[] = [];
  log.subscribe(0, () => {
    throw new Error("bad listener");
  });
  log.subscribe(0, (e) => got.push(e.seq));
  void log.publish(body(1));
  assert.deepEqual(got, [1]);
});

/** One engine two instances share (what Redis is): reads and waits must go to it. */
class SharedMemoryStore extends MemoryStore {
  override readonly engine: StoreEngine = "redis";
}

Deno.test("over a shared engine, a log reads and waits for events another instance appended", async () => {
  const store = new SharedMemoryStore();
  await store.createSession("s");
  const a = new EventLog("s", { store });
  const b = new EventLog("s", { store });
  await Promise.all([a.ready, b.ready]);
  const waiting = b.waitForEvents(0, 2000);
  await a.publish(body(1));
  await waiting;
  assert.deepEqual((await b.read(0, 10)).map((e) => e.seq), [1]);
  assert.equal((await b.publish(body(2))).seq, 2);
  assert.equal((await a.bounds()).lastSeq, 2);
});
