/**
 * RedisStore against a real redis-server on a random loopback port: the shared Store contract,
 * then what only a shared engine has — two instances on one Redis, blocking reads woken by the
 * other instance, and Redis going away and coming back.
 */
import assert from "node:assert/strict";
import { hasCommand, type RedisServer, startRedisServer } from "../cluster/redis_server.ts";
import type { EventBody } from "../protocol/events.ts";
import { RedisStore } from "./redis_store.ts";
import { runStoreContract } from "./store_contract.ts";
import { StoreError } from "./store.ts";

const available = await hasCommand("redis-server");
if (!available) {
  console.warn("redis_store_test: SKIPPED — redis-server is not installed (apt-get install redis-server)");
}

const body = (participantId: string, n: number): EventBody => ({
  type: "utterance.start",
  participantId,
  utteranceId: `${participantId}-${n}`,
  startMs: n,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: RedisServer | undefined;
async function redis(): Promise<RedisServer> {
  return server ??= await startRedisServer();
}
globalThis.addEventListener("unload", () => {
  if (server) Deno.kill(server.pid, "SIGKILL");
});

if (available) {
  runStoreContract("redis", async () => RedisStore.open((await redis()).url), {
    sanitize: false,
    reopen: async (store) => {
      await store.close();
      return RedisStore.open((await redis()).url);
    },
  });

  Deno.test({
    name: "redis store: an append on one instance wakes a blocking read on another",
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const url = (await redis()).url;
      const [a, b] = await Promise.all([RedisStore.open(url), RedisStore.open(url)]);
      try {
        const s = `x-${crypto.randomUUID()}`;
        await a.createSession(s);
        // Several sessions waited on at once through b's single blocking connection.
        const others = await Promise.all([1, 2, 3].map(async (i) => {
          const o = `${s}-${i}`;
          await a.createSession(o);
          return o;
        }));
        const t0 = performance.now();
        const waits = [s, ...others].map((sid) => b.waitForEvents(sid, 0, 5_000));
        await sleep(50);
        const [e] = await a.append(s, [body("ann", 1)]);
        await waits[0];
        const wokeMs = performance.now() - t0 - 50;
        assert.ok(wokeMs < 1_000, `woken after ${wokeMs.toFixed(0)} ms`);
        assert.deepEqual(await b.read(s, 0, 10), [e]);
        await a.append(others[2], [body("zed", 1)]);
        await waits[3];
        // A waiter after the latest seq keeps waiting until the next append.
        const later = b.waitForEvents(s, 1, 5_000);
        await sleep(30);
        const [e2] = await a.append(s, [body("ann", 2)]);
        await later;
        assert.equal(e2.seq, 2);
        await a.append(others[0], [body("x", 1)]);
        await a.append(others[1], [body("x", 1)]);
        await Promise.all(waits);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    },
  });

  Deno.test({
    name: "redis store: two instances appending to one session interleave without sharing a seq",
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const url = (await redis()).url;
      const [a, b] = await Promise.all([RedisStore.open(url), RedisStore.open(url)]);
      try {
        const s = `x-${crypto.randomUUID()}`;
        await a.createSession(s);
        const all = await Promise.all(
          Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).append(s, [body(i % 2 ? "a" : "b", i), body("c", i)])),
        );
        const seqs = all.flat().map((e) => e.seq).sort((x, y) => x - y);
        assert.deepEqual(seqs, Array.from({ length: 100 }, (_, i) => i + 1));
        for (const batch of all) assert.equal(batch[1].seq, batch[0].seq + 1, "a batch is contiguous");
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    },
  });

  Deno.test({
    name: "redis store: an erasure that removed something is announced to the other instances, once",
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const url = (await redis()).url;
      const [a, b] = await Promise.all([RedisStore.open(url), RedisStore.open(url)]);
      try {
        const heard: unknown[] = [], own: unknown[] = [];
        b.onErasure((n) => heard.push(n));
        a.onErasure((n) => own.push(n));
        await sleep(100); // the subscription is on its way
        const s = `x-${crypto.randomUUID()}`;
        await a.createSession(s);
        await a.append(s, [body("ann", 1), body("bob", 1)]);
        await a.deleteParticipant(s, "ann");
        await a.deleteParticipant(s, "ann"); // nothing left: no second notice
        await a.deleteSession(s);
        await a.deleteSession(s);
        const t0 = Date.now();
        while (heard.length < 2 && Date.now() - t0 < 3_000) await sleep(20);
        await sleep(200);
        assert.deepEqual(heard, [{ sessionId: s, participantId: "ann" }, { sessionId: s }]);
        assert.deepEqual(own, [], "the erasing instance is not told of its own erasure");
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    },
  });

  Deno.test({
    name: "redis store: history is bounded by MAXLEN ~ (at least historyEvents kept)",
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const store = await RedisStore.open((await redis()).url, { historyEvents: 300 });
      try {
        const s = `x-${crypto.randomUUID()}`;
        await store.createSession(s);
        for (let i = 0; i < 10; i++) {
          await store.append(
            s,
            Array.from({ length: 100 }, (_, j) => body("p", i * 100 + j)),
          );
        }
        const { oldestSeq, lastSeq } = await store.bounds(s);
        assert.equal(lastSeq, 1000);
        const held = lastSeq - oldestSeq + 1;
        assert.ok(held >= 300 && held <= 400, `held ${held}`);
        const events = await store.read(s, 0, 2000);
        assert.equal(events.length, held);
        assert.equal(events[0].seq, oldestSeq);
      } finally {
        await store.close();
      }
    },
  });

  Deno.test({
    name: "redis store: while Redis is away calls reject with a recoverable StoreError, health degrades, then recovers",
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      // A Redis of its own, so stopping it does not disturb the other cases.
      const own = await startRedisServer();
      const store = await RedisStore.open(own.url);
      let restarted: RedisServer | undefined;
      try {
        const s = `x-${crypto.randomUUID()}`;
        await store.createSession(s);
        await store.append(s, [body("ann", 1)]);
        assert.equal(store.health().status, "ok");
        await own.stop(true);
        const t0 = Date.now();
        while (store.health().status === "ok" && Date.now() - t0 < 3_000) await sleep(20);
        assert.equal(store.health().status, "degraded");
        assert.equal(store.health().engine, "redis");
        const err = await store.append(s, [body("ann", 2)]).then(() => null, (e) => e);
        assert.ok(err instanceof StoreError, `got ${err}`);
        assert.equal(err.recoverable, true);
        // A waiter while Redis is away only times out.
        await store.waitForEvents(s, 1, 100);
        restarted = await startRedisServer({ port: own.port });
        const t1 = Date.now();
        while (store.health().status !== "ok" && Date.now() - t1 < 5_000) await sleep(20);
        assert.equal(store.health().status, "ok", `recovered: ${JSON.stringify(store.health())}`);
        // The old Redis kept nothing on disk: what it held is gone, the store works again.
        await store.createSession(s);
        assert.equal((await store.append(s, [body("ann", 3)]))[0].seq, 1);
      } finally {
        await store.close();
        await restarted?.stop(true);
        await own.stop(true);
      }
    },
  });

  Deno.test({ name: "redis store: stop redis-server", sanitizeOps: false, sanitizeResources: false }, async () => {
    await server?.stop(true);
    server = undefined;
  });
} else {
  Deno.test({ name: "redis store: skipped (redis-server not installed)", ignore: true, fn() {} });
}
