/**
 * The typed client against a real server: awaitable open and `ready`, typed server errors,
 * a clean `end()`, open timeouts, and an events subscription whose socket is killed mid-stream
 * (through a TCP proxy) resuming with `since`: every event exactly once, in order.
 */
import assert from "node:assert/strict";
import { Engine } from "../engine/engine.ts";
import { startServer } from "../server.ts";
import { adminKey } from "../testing/auth.ts";
import { AffectstreamClient, ClientError, type SessionEvent } from "./mod.ts";

const engine = await Engine.load({ vadWorker: true, voiceWorker: true, disable: ["voice", "face"] });
const server = await startServer({
  loadedEngine: engine,
  port: 0,
  sessions: { session: { participant: { textWaitMs: 200 } } },
});
const opts = { sanitizeOps: false, sanitizeResources: false };
let n = 0;
const newSession = () => `c${++n}-${Date.now()}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A TCP proxy to the server whose connections can be cut, like a network drop, or stalled. */
function proxy(targetPort: number) {
  let stalled: PromiseWithResolvers<void> | undefined;
  // client → server bytes wait here while stalled (the server stops reading, as a congested link does)
  const gate = () =>
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, ctl) {
        if (stalled) await stalled.promise;
        ctl.enqueue(chunk);
      },
    });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  (async () => {
    for await (const c of listener) {
      const up = await Deno.connect({ hostname: "127.0.0.1", port: targetPort });
      conns.add(c).add(up);
      const cut = () => {
        for (const x of [c, up]) {
          conns.delete(x);
          try {
            x.close();
          } catch { /* already closed */ }
        }
      };
      c.readable.pipeThrough(gate()).pipeTo(up.writable).catch(() => {}).finally(cut);
      up.readable.pipeTo(c.writable).catch(() => {}).finally(cut);
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    stall() {
      stalled ??= Promise.withResolvers<void>();
    },
    resume() {
      stalled?.resolve();
      stalled = undefined;
    },
    cutAll() {
      for (const c of [...conns]) {
        conns.delete(c);
        try {
          c.close();
        } catch { /* already closed */ }
      }
    },
    close() {
      this.cutAll();
      listener.close();
    },
  };
}

/** Final transcript segments of a transcript-only participant: each becomes utterance + emotion events. */
async function talk(client: AffectstreamClient, sid: string, pid: string, count: number, fromMs = 0) {
  const ingest = await client.ingest(sid, pid, { name: pid, consent: true });
  for (let i = 0; i < count; i++) {
    const startMs = fromMs + i * 2000;
    await ingest.sendTranscript({ final: true, text: `sentence number ${i} is here`, startMs, endMs: startMs + 1500 });
    await sleep(30);
  }
  const closed = await ingest.end();
  assert.equal(closed.code, 1000);
}

Deno.test("ingest: awaitable open with ready, typed server errors, and end() closes with 1000", opts, async () => {
  const client = new AffectstreamClient({ url: `http://127.0.0.1:${server.port}`, token: adminKey(server) });
  const sid = newSession();
  const errors: ClientError[] = [];
  const ingest = await client.ingest(sid, "ann", { consent: true, on: { error: (e) => errors.push(e) } });
  assert.equal(ingest.ready.type, "ready");
  assert.equal(ingest.ready.participantId, "ann");
  await ingest.sendTranscript({ final: true, text: "backwards", startMs: 500, endMs: 100 });
  await sleep(300);
  assert.equal(errors[0]?.kind, "server");
  assert.equal(errors[0].code, "bad_message");
  assert.equal(errors[0].recoverable, true);
  const closed = await ingest.end();
  assert.equal(closed.code, 1000);
  await assert.rejects(ingest.sendTranscript({ final: true, text: "late", startMs: 0, endMs: 1 }), ClientError);
});

Deno.test("sends wait while the send buffer is above the high-water mark, then go on", opts, async () => {
  const p = proxy(server.port);
  const client = new AffectstreamClient({ url: `http://127.0.0.1:${p.port}`, token: adminKey(server) });
  const hwm = 256 * 1024;
  const ingest = await client.ingest(newSession(), "pressed", {
    consent: true,
    audio: { sampleRate: 16000, encoding: "pcm_s16le", channels: 1 },
    highWaterMark: hwm,
    drainTimeoutMs: 20_000,
  });
  p.stall();
  const chunk = new Uint8Array(32 * 1024); // 1 s of audio: a silence the server can take
  let maxBuffered = 0, waited = false;
  for (let i = 0; i < 4000 && !waited; i++) {
    const before = ingest.bufferedAmount;
    const t0 = performance.now();
    const sent = ingest.sendAudio(chunk);
    // a send that does not resolve within 200 ms is waiting for the buffer to drain
    waited = await Promise.race([sent.then(() => false), sleep(200).then(() => true)]);
    maxBuffered = Math.max(maxBuffered, before);
    if (waited) {
      assert.ok(ingest.bufferedAmount > hwm, `waiting with ${ingest.bufferedAmount} bytes buffered`);
      p.resume();
      await sent; // the buffer drains once the link moves again
      assert.ok(performance.now() - t0 >= 200);
    }
  }
  assert.ok(waited, "a send waited for the buffer to drain");
  assert.ok(
    maxBuffered <= hwm + chunk.length,
    `never more than a high-water mark (+1 message) buffered: ${maxBuffered}`,
  );
  await ingest.close();
  p.close();
});

Deno.test("open rejects with a timeout ClientError when nothing answers", opts, async () => {
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  (async () => {
    for await (const c of silent) held.push(c);
  })().catch(() => {});
  const client = new AffectstreamClient({ url: `http://127.0.0.1:${(silent.addr as Deno.NetAddr).port}` });
  const err = await client.ingest("s", "p", { openTimeoutMs: 300 }).catch((e) => e);
  assert.ok(err instanceof ClientError);
  assert.equal(err.kind, "timeout");
  for (const c of held) c.close();
  silent.close();
});

Deno.test("events resume after the socket is cut: every event once, in seq order", opts, async () => {
  const sid = newSession();
  const direct = new AffectstreamClient({ url: `http://127.0.0.1:${server.port}`, token: adminKey(server) });
  const p = proxy(server.port);
  const viaProxy = new AffectstreamClient({ url: `http://127.0.0.1:${p.port}`, token: adminKey(server) });
  await talk(direct, sid, "first", 2); // the session exists and holds events before anyone subscribes
  const seen: SessionEvent[] = [];
  const closes: boolean[] = [];
  const events = await viaProxy.events(sid, {
    backoffMs: 50,
    on: { event: (e) => seen.push(e), close: (c) => closes.push(c.willReconnect) },
  });
  await sleep(300);
  p.cutAll(); // the network drops …
  await talk(direct, sid, "second", 3); // … while the session goes on
  p.cutAll(); // and drops again
  await talk(direct, sid, "third", 2);
  const lastSeq = (await direct.events(sid, { reconnect: false })).lastSeq; // opened only to compare
  const deadline = Date.now() + 10_000;
  while (events.lastSeq < lastSeq && Date.now() < deadline) await sleep(50);
  await events.end();
  p.close();
  assert.ok(closes.length >= 2, "closed at least once by a cut, once by end()");
  assert.ok(closes.slice(0, -1).every((w) => w) && closes.at(-1) === false, "reconnects after cuts, not after end()");
  assert.ok(events.reconnects >= 1);
  const seqs = seen.map((e) => e.seq);
  assert.ok(seqs.length > 5, `saw ${seqs.length} events`);
  assert.deepEqual(seqs, [...new Set(seqs)].sort((a, b) => a - b), "no duplicates, in order");
  assert.equal(seqs[0], 1);
  assert.equal(seqs.length, seqs[seqs.length - 1], "no gaps");
  for (const who of ["first", "second", "third"]) {
    assert.ok(seen.some((e) => e.type === "participant.left" && e.participantId === who), who);
  }
});

Deno.test("events: end() stops reconnecting and the async iterator finishes", opts, async () => {
  const sid = newSession();
  const client = new AffectstreamClient({ url: `http://127.0.0.1:${server.port}`, token: adminKey(server) });
  await talk(client, sid, "solo", 1);
  const events = await client.events(sid);
  const got: string[] = [];
  const reading = (async () => {
    for await (const e of events) {
      got.push(e.type);
      if (e.type === "participant.left") break;
    }
  })();
  await reading;
  await events.end();
  await events.done;
  assert.equal(events.isOpen, false);
  assert.equal(got[0], "participant.joined");
});

Deno.test("events resume across a server restart (same data dir): every event once, in seq order", opts, async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "affectstream-client-test-" });
  const first = await startServer({ loadedEngine: engine, port: 0, dataDir });
  const port = first.port;
  const key = adminKey(first);
  const client = new AffectstreamClient({ url: `http://127.0.0.1:${port}`, token: key });
  const sid = newSession();
  await talk(client, sid, "before", 2);
  const seen: SessionEvent[] = [];
  const events = await client.events(sid, { backoffMs: 100, maxBackoffMs: 500, on: { event: (e) => seen.push(e) } });
  const deadline = () => Date.now() + 10_000;
  for (const d = deadline(); !seen.some((e) => e.type === "participant.left") && Date.now() < d;) await sleep(50);
  await first.shutdown(); // the subscriber's socket drops with the server
  const second = await startServer({ loadedEngine: engine, port, dataDir });
  try {
    await talk(client, sid, "after", 2);
    for (const d = deadline(); seen.filter((e) => e.type === "participant.left").length < 2 && Date.now() < d;) {
      await sleep(50);
    }
    await events.end();
    assert.ok(events.reconnects >= 1, "it reconnected to the restarted server");
    const seqs = seen.map((e) => e.seq);
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), "1…n, each once");
    assert.ok(seen.some((e) => e.type === "participant.left" && e.participantId === "after"));
  } finally {
    await second.shutdown();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});

Deno.test("the server serves the browser bundle at /static/vendor/affectstream_client.js", opts, async () => {
  const res = await fetch(`http://127.0.0.1:${server.port}/static/vendor/affectstream_client.js`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /javascript/);
  const body = await res.text();
  assert.equal(body, await Deno.readTextFile(new URL("../../static/vendor/affectstream_client.js", import.meta.url)));
});

Deno.test({
  name: "shutdown",
  ...opts,
  fn: async () => {
    await server.shutdown();
    engine.close();
  },
});
