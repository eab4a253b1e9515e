/**
 * The contract test suite every {@linkcode Store} passes: call `runStoreContract` from an
 * engine's `*_test.ts`. Engine-neutral: it uses only the Store interface and real time (short
 * TTLs), so SQLite, memory and Redis run the very same cases.
 */
import assert from "node:assert/strict";
import type { EventBody } from "../protocol/events.ts";
import type { Store } from "./store.ts";

/** Extra hooks an engine may give the suite. */
export interface StoreContractOptions {
  /**
   * Closes `store` and opens the same data again (a restart). Without it, the restart case is
   * skipped (an in-memory engine has nothing to reopen).
   */
  reopen?: (store: Store) => Promise<Store>;
  /** Deno.test sanitizers; engines with background connections turn them off. */
  sanitize?: boolean;
}

const body = (participantId: string, n: number): EventBody => ({
  type: "utterance.start",
  participantId,
  utteranceId: `${participantId}-${n}`,
  startMs: n * 1000,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let counter = 0;
/** A session id unique to this run, so engines shared between tests (Redis) start clean. */
const sid = (label: string) => `c${Date.now().toString(36)}-${++counter}-${label}`;

/** Registers the contract cases for one engine. */
export function runStoreContract(name: string, make: () => Promise<Store>, options: StoreContractOptions = {}): void {
  const sanitize = options.sanitize ?? true;
  const test = (title: string, fn: (store: Store) => Promise<void>) =>
    Deno.test({
      name: `${name} store: ${title}`,
      sanitizeOps: sanitize,
      sanitizeResources: sanitize,
      fn: async () => {
        const store = await make();
        try {
          await fn(store);
        } finally {
          await store.close();
        }
      },
    });

  test("creates a session once and lists it with its participants", async (store) => {
    const s = sid("create");
    assert.equal(await store.hasSession(s), false);
    assert.deepEqual(await store.createSession(s, 1_000), { created: true });
    assert.deepEqual(await store.createSession(s), { created: false });
    assert.equal(await store.hasSession(s), true);
    await store.putParticipant(s, { participantId: "ann", name: "Ann", consent: true, joinedWallMs: 2_000 });
    await store.putParticipant(s, { participantId: "bob", consent: false, joinedWallMs: 3_000 });
    await store.putParticipant(s, { participantId: "ann", name: "Ann", consent: true, joinedWallMs: 2_000, leftWallMs: 4_000 });
    const rec = (await store.listSessions()).find((r) => r.sessionId === s)!;
    assert.equal(rec.createdWallMs, 1_000);
    assert.equal(rec.lastSeq, 0);
    const byId = Object.fromEntries(rec.participants.map((p) => [p.participantId, p]));
    assert.deepEqual(byId.ann, { participantId: "ann", name: "Ann", consent: true, joinedWallMs: 2_000, leftWallMs: 4_000 });
    assert.equal(byId.bob.consent, false);
    assert.equal(byId.bob.name, undefined);
    assert.equal(rec.participants.length, 2);
  });

  test("a participant record needs an existing session", async (store) => {
    await assert.rejects(store.putParticipant(sid("none"), { participantId: "x", consent: true, joinedWallMs: 0 }));
  });

  test("append stamps strictly increasing seq, sessionId and wallMs, per session", async (store) => {
    const a = sid("a"), b = sid("b");
    await store.createSession(a);
    await store.createSession(b);
    const before = Date.now();
    const first = await store.append(a, [body("p", 1), body("p", 2)]);
    const second = await store.append(a, [body("p", 3)]);
    const other = await store.append(b, [body("q", 1)]);
    assert.deepEqual([...first, ...second].map((e) => e.seq), [1, 2, 3]);
    assert.deepEqual(other.map((e) => e.seq), [1]);
    for (const e of [...first, ...second]) {
      assert.equal(e.sessionId, a);
      assert.ok(e.wallMs >= before - 1000 && e.wallMs <= Date.now() + 1000, `wallMs ${e.wallMs}`);
    }
    assert.equal(first[1].type, "utterance.start");
    assert.deepEqual(await store.bounds(a), { oldestSeq: 1, lastSeq: 3 });
    assert.equal((await store.listSessions()).find((r) => r.sessionId === a)!.lastSeq, 3);
    assert.deepEqual(await store.append(a, []), []);
  });

  test("append to a session that does not exist rejects", async (store) => {
    await assert.rejects(store.append(sid("missing"), [body("p", 1)]));
  });

  test("read returns committed events after since, oldest first, at most limit, as appended", async (store) => {
    const s = sid("read");
    await store.createSession(s);
    const appended = await store.append(s, Array.from({ length: 10 }, (_, i) => body("p", i)));
    assert.deepEqual((await store.read(s, 0, 100)), appended);
    assert.deepEqual((await store.read(s, 3, 4)).map((e) => e.seq), [4, 5, 6, 7]);
    assert.deepEqual((await store.read(s, 10, 5)), []);
    assert.deepEqual((await store.read(s, 0, 0)), []);
    assert.deepEqual((await store.read(sid("nothing"), 0, 10)), []);
    assert.deepEqual(await store.bounds(sid("nothing")), { oldestSeq: 1, lastSeq: 0 });
  });

  test("concurrent appends to one session never share or skip a seq", async (store) => {
    const s = sid("concurrent");
    await store.createSession(s);
    const batches = await Promise.all(Array.from({ length: 20 }, (_, i) => store.append(s, [body("p", i), body("p", i)])));
    const seqs = batches.flat().map((e) => e.seq).sort((x, y) => x - y);
    assert.deepEqual(seqs, Array.from({ length: 40 }, (_, i) => i + 1));
    assert.deepEqual((await store.read(s, 0, 100)).map((e) => e.seq), seqs);
  });

  test("waitForEvents resolves at once when events are already there, on append, and on timeout", async (store) => {
    const s = sid("wait");
    await store.createSession(s);
    await store.append(s, [body("p", 1)]);
    let t = Date.now();
    await store.waitForEvents(s, 0, 5_000);
    assert.ok(Date.now() - t < 1_000, "already there");
    t = Date.now();
    const waiting = store.waitForEvents(s, 1, 5_000);
    setTimeout(() => void store.append(s, [body("p", 2)]), 50);
    await waiting;
    assert.ok(Date.now() - t < 2_000, `woken by append after ${Date.now() - t} ms`);
    assert.equal((await store.bounds(s)).lastSeq, 2);
    t = Date.now();
    await store.waitForEvents(s, 2, 150);
    const waited = Date.now() - t;
    assert.ok(waited >= 100 && waited < 3_000, `timed out after ${waited} ms`);
  });

  test("waitForEvents resolves (never rejects) when its signal aborts", async (store) => {
    const s = sid("abort");
    await store.createSession(s);
    const ac = new AbortController();
    const t = Date.now();
    const waiting = store.waitForEvents(s, 0, 10_000, ac.signal);
    setTimeout(() => ac.abort(), 30);
    await waiting;
    assert.ok(Date.now() - t < 2_000);
    await store.waitForEvents(s, 0, 10_000, ac.signal); // already aborted: at once
  });

  test("a participant claim is exclusive, idempotent for its holder, released, and lapses after its TTL", async (store) => {
    const s = sid("claim");
    await store.createSession(s);
    assert.equal(await store.claimParticipant(s, "ann", "i1", 10_000), true);
    assert.equal(await store.claimParticipant(s, "ann", "i2", 10_000), false, "held by another instance");
    assert.equal(await store.claimParticipant(s, "ann", "i1", 10_000), true, "its holder may claim again");
    assert.equal(await store.claimParticipant(s, "bob", "i2", 10_000), true, "another id is free");
    await store.releaseParticipant(s, "ann", "i2"); // not the holder: no effect
    assert.equal(await store.claimParticipant(s, "ann", "i2", 10_000), false);
    await store.releaseParticipant(s, "ann", "i1");
    assert.equal(await store.claimParticipant(s, "ann", "i2", 200), true, "released");
    await sleep(350);
    assert.equal(await store.claimParticipant(s, "ann", "i3", 10_000), true, "lapsed after its TTL");
  });

  test("renewClaims keeps an instance's claims alive past their first TTL", async (store) => {
    const s = sid("renew");
    await store.createSession(s);
    assert.equal(await store.claimParticipant(s, "ann", "i1", 300), true);
    for (let i = 0; i < 4; i++) {
      await sleep(120);
      await store.renewClaims("i1", 300);
    }
    assert.equal(await store.claimParticipant(s, "ann", "i2", 300), false, "renewed, still held");
  });

  test("turns are bounded to the most recent `keep`, oldest first", async (store) => {
    const s = sid("turns");
    await store.createSession(s);
    for (let i = 0; i < 7; i++) {
      await store.appendTurn(s, { participantId: i % 2 ? "bob" : "ann", speaker: "x", text: `t${i}`, wallMs: Date.now() }, 5);
    }
    assert.deepEqual((await store.recentTurns(s, 10)).map((t) => t.text), ["t2", "t3", "t4", "t5", "t6"]);
    assert.deepEqual((await store.recentTurns(s, 2)).map((t) => t.text), ["t5", "t6"]);
    const last = (await store.recentTurns(s, 1))[0];
    assert.equal(last.participantId, "ann");
    assert.equal(last.speaker, "x");
    assert.deepEqual(await store.recentTurns(sid("noturns"), 3), []);
  });

  test("deleteParticipant erases their events, record and turns, reports counts, and keeps the others' seq", async (store) => {
    const s = sid("erase-p");
    await store.createSession(s);
    await store.putParticipant(s, { participantId: "ann", name: "Ann Secret", consent: true, joinedWallMs: 1 });
    await store.putParticipant(s, { participantId: "bob", consent: true, joinedWallMs: 1 });
    await store.append(s, [body("ann", 1), body("bob", 1), body("ann", 2), body("bob", 2)]);
    await store.appendTurn(s, { participantId: "ann", speaker: "Ann", text: "my account is 12345", wallMs: Date.now() }, 10);
    await store.appendTurn(s, { participantId: "bob", speaker: "bob", text: "hello", wallMs: Date.now() }, 10);
    const report = await store.deleteParticipant(s, "ann");
    assert.deepEqual(report, { sessionId: s, participantId: "ann", events: 2, participants: 1, turns: 1, sessions: 0 });
    const left = await store.read(s, 0, 100);
    assert.deepEqual(left.map((e) => [e.seq, e.participantId]), [[2, "bob"], [4, "bob"]]);
    assert.deepEqual((await store.recentTurns(s, 10)).map((t) => t.participantId), ["bob"]);
    const rec = (await store.listSessions()).find((r) => r.sessionId === s)!;
    assert.deepEqual(rec.participants.map((p) => p.participantId), ["bob"]);
    assert.equal(rec.lastSeq, 4);
    // seq is never reused: not even for the erased participant's numbers.
    assert.deepEqual((await store.append(s, [body("bob", 3)])).map((e) => e.seq), [5]);
    assert.deepEqual(await store.bounds(s), { oldestSeq: 2, lastSeq: 5 });
    const again = await store.deleteParticipant(s, "ann");
    assert.deepEqual([again.events, again.participants, again.turns], [0, 0, 0]);
  });

  test("deleting the last events keeps the seq counter (bounds report an empty range above it)", async (store) => {
    const s = sid("erase-all-events");
    await store.createSession(s);
    await store.append(s, [body("ann", 1), body("ann", 2), body("ann", 3)]);
    await store.deleteParticipant(s, "ann");
    assert.deepEqual(await store.bounds(s), { oldestSeq: 4, lastSeq: 3 });
    assert.deepEqual((await store.append(s, [body("bob", 1)])).map((e) => e.seq), [4]);
  });

  test("deleteSession erases everything of the session, reports counts, and leaves others alone", async (store) => {
    const s = sid("erase-s"), other = sid("keep");
    await store.createSession(s);
    await store.createSession(other);
    await store.putParticipant(s, { participantId: "ann", consent: true, joinedWallMs: 1 });
    await store.append(s, [body("ann", 1), body("ann", 2), body("ann", 3)]);
    await store.append(other, [body("zed", 1)]);
    await store.appendTurn(s, { participantId: "ann", speaker: "Ann", text: "secret", wallMs: Date.now() }, 10);
    await store.claimParticipant(s, "ann", "i1", 60_000);
    const report = await store.deleteSession(s);
    assert.deepEqual(report, { sessionId: s, events: 3, participants: 1, turns: 1, sessions: 1 });
    assert.equal(await store.hasSession(s), false);
    assert.deepEqual(await store.read(s, 0, 10), []);
    assert.deepEqual(await store.recentTurns(s, 10), []);
    assert.equal((await store.listSessions()).some((r) => r.sessionId === s), false);
    assert.equal(await store.claimParticipant(s, "ann", "i2", 60_000), true, "its claims went with it");
    assert.equal((await store.read(other, 0, 10)).length, 1);
    const never = sid("never");
    assert.deepEqual(await store.deleteSession(never), { sessionId: never, events: 0, participants: 0, turns: 0, sessions: 0 });
  });

  test("retention deletes sessions idle since the cutoff and events older than it; seq continues", async (store) => {
    const old = sid("old"), live = sid("live");
    const tenDaysAgo = Date.now() - 10 * 86_400_000;
    await store.createSession(old, tenDaysAgo);
    await store.createSession(live);
    await store.append(live, [body("p", 1), body("p", 2)]);
    await sleep(40);
    const cutoff = Date.now();
    await sleep(40);
    await store.append(live, [body("p", 3)]);
    const report = await store.applyRetention(cutoff);
    assert.ok(report.sessions >= 1, `sessions ${report.sessions}`);
    assert.ok(report.events >= 2, `events ${report.events}`);
    assert.equal(await store.hasSession(old), false);
    assert.equal(await store.hasSession(live), true);
    assert.deepEqual((await store.read(live, 0, 10)).map((e) => e.seq), [3]);
    assert.deepEqual((await store.append(live, [body("p", 4)])).map((e) => e.seq), [4]);
    assert.deepEqual(await store.bounds(live), { oldestSeq: 3, lastSeq: 4 });
  });

  test("health is cheap and names the engine", async (store) => {
    const h = store.health();
    assert.equal(h.engine, store.engine);
    assert.equal(h.status, "ok");
  });

  if (options.reopen) {
    const reopen = options.reopen;
    Deno.test({
      name: `${name} store: a reopened store keeps sessions, events, turns and seq (never reused after a restart)`,
      sanitizeOps: sanitize,
      sanitizeResources: sanitize,
      fn: async () => {
        let store = await make();
        try {
          const s = sid("restart");
          await store.createSession(s);
          await store.putParticipant(s, { participantId: "ann", name: "Ann", consent: true, joinedWallMs: 5 });
          const before = await store.append(s, [body("ann", 1), body("ann", 2), body("ann", 3)]);
          await store.appendTurn(s, { participantId: "ann", speaker: "Ann", text: "kept", wallMs: Date.now() }, 10);
          await store.deleteParticipant(s, "ann"); // erases 1–3; their seqs stay used
          await store.append(s, [body("bob", 1)]);
          store = await reopen(store);
          assert.equal(await store.hasSession(s), true);
          assert.deepEqual(await store.bounds(s), { oldestSeq: 4, lastSeq: 4 });
          assert.deepEqual((await store.append(s, [body("bob", 2)])).map((e) => e.seq), [5]);
          assert.deepEqual((await store.read(s, 0, 10)).map((e) => e.seq), [4, 5]);
          assert.ok(before.length === 3);
        } finally {
          await store.close();
        }
      },
    });
  }
}
