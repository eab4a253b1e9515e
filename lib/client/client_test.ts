/**
 * The typed client against a real server: awaitable open and `ready`, typed server errors,
 * a clean `end()`, open timeouts, and an events subscription whose socket is killed mid-stream
 * (through a TCP proxy) resuming with `since`: every event exactly once, in order.
 */
import assert from "node:assert/strict";
import { Engine } from "../engine/engine.ts";
import { startServer } from "../server.ts";
import { adminKey, mintToken } from "../testing/auth.ts";
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

/** Resolves once `pred()` holds, or fails after `ms`. */
async function until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

Deno.test(
  "a token provider is asked before every connect; a 4401 close asks it for a fresh token once",
  opts,
  async () => {
    const sid = newSession();
    const direct = new AffectstreamClient({ url: `http://127.0.0.1:${server.port}`, token: adminKey(server) });
    await talk(direct, sid, "early", 1);
    const asked: boolean[] = [];
    // The first token expires within 2 s (the server then closes 4401); fresh ones last an hour.
    const client = new AffectstreamClient({
      url: `http://127.0.0.1:${server.port}`,
      token: (fresh) => {
        asked.push(fresh);
        return mintToken(server, { sessionId: sid, role: "view", ttlS: fresh ? 3600 : 2 });
      },
    });
    const closes: { code: number; willReconnect: boolean }[] = [];
    const seen: SessionEvent[] = [];
    const events = await client.events(sid, {
      on: { event: (e) => seen.push(e), close: (c) => closes.push(c) },
    });
    await until(() => closes.length > 0 && events.isOpen, "the 4401 close and the reconnect", 6000);
    assert.deepEqual(closes[0], { code: 4401, reason: "token expired", willReconnect: true });
    assert.deepEqual(asked, [false, true], "asked once before the first connect, once fresh after 4401");
    await talk(direct, sid, "later", 1);
    await until(() => seen.some((e) => e.type === "participant.left" && e.participantId === "later"), "later's events");
    const seqs = seen.map((e) => e.seq);
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), "1…n, each once, across the 4401");
    await events.end();

    // An ingest (and HTTP) call asks the provider too.
    const ingestAsked: boolean[] = [];
    const ingestClient = new AffectstreamClient({
      url: `http://127.0.0.1:${server.port}`,
      token: async (fresh) => {
        ingestAsked.push(fresh);
        return await mintToken(server, { sessionId: sid, role: "ingest", participantId: "p", consent: true });
      },
    });
    const ingest = await ingestClient.ingest(sid, "p");
    assert.equal(ingest.ready.participantId, "p");
    assert.equal((await ingest.end()).code, 1000);
    assert.deepEqual(ingestAsked, [false]);
  },
);

Deno.test("4401 with no fresh token to be had is final, and the subscription reports why", opts, async () => {
  const sid = newSession();
  await talk(new AffectstreamClient({ url: `http://127.0.0.1:${server.port}`, token: adminKey(server) }), sid, "a", 1);
  const asked: boolean[] = [];
  const client = new AffectstreamClient({
    url: `http://127.0.0.1:${server.port}`,
    // a short token, and none when a fresh one is asked for (the page cannot mint)
    token: (
      fresh,
    ) => (asked.push(fresh), fresh ? undefined : mintToken(server, { sessionId: sid, role: "view", ttlS: 2 })),
  });
  const closes: { code: number; willReconnect: boolean }[] = [];
  let failed: ClientError | undefined;
  const events = client.subscribe(sid, { on: { close: (c) => closes.push(c), failed: (e) => failed = e } });
  await until(() => failed !== undefined, "the subscription to fail", 8000);
  await events.done;
  assert.deepEqual(asked, [false, true]);
  assert.deepEqual(closes.map((c) => [c.code, c.willReconnect]), [[4401, true]], "one retry, with a fresh token");
  assert.equal(failed!.code, "unauthorized", failed!.message);
  assert.equal(events.ended, true);

  // A fixed token: 4401 is final at once, as before.
  const fixed = new AffectstreamClient({
    url: `http://127.0.0.1:${server.port}`,
    token: await mintToken(server, { sessionId: sid, role: "view", ttlS: 2 }),
  });
  const fixedCloses: { code: number; willReconnect: boolean }[] = [];
  const once = await fixed.events(sid, { on: { close: (c) => fixedCloses.push(c) } });
  await once.done;
  assert.deepEqual(fixedCloses.map((c) => [c.code, c.willReconnect]), [[4401, false]]);
});

Deno.test("4404 is final by default; with retryOn [4404] subscribe() waits for the first ingest", opts, async () => {
  const url = `http://127.0.0.1:${server.port}`;
  const client = new AffectstreamClient({ url, token: adminKey(server) });
  const sid = newSession();
  // Today's behaviour: session_not_found ends the subscription.
  let failedDefault: ClientError | undefined;
  const once = await client.events(sid, { on: { failed: (e) => failedDefault = e } });
  await once.done;
  assert.equal(failedDefault?.closeCode, 4404);

  const retries: number[] = [];
  const seen: SessionEvent[] = [];
  const events = client.subscribe(sid, {
    retryOn: [4404],
    closeDelayMs: { 4404: 100 },
    on: { reconnecting: (r) => retries.push(r.code), event: (e) => seen.push(e) },
  });
  await until(() => retries.filter((c) => c === 4404).length >= 2, "4404 retried");
  assert.equal(events.ended, false);
  await talk(client, sid, "creator", 1); // the first ingest creates the session
  await until(() => seen.some((e) => e.type === "participant.left"), "the new session's events");
  assert.equal(seen[0].seq, 1);
  await events.end();
});

Deno.test(
  "a refusal the probe explains (e.g. 403, invisible to browsers) is final; a refused token mint too",
  opts,
  async () => {
    const url = `http://127.0.0.1:${server.port}`;
    const sid = newSession();
    await talk(new AffectstreamClient({ url, token: adminKey(server) }), sid, "x", 1);
    const other = await mintToken(server, { sessionId: "another-session", role: "view" });
    const client = new AffectstreamClient({ url, token: other });
    let probes = 0;
    let failed: ClientError | undefined;
    const events = client.subscribe(sid, {
      backoffMs: 20,
      probe: async () => {
        probes++;
        const res = await fetch(`${url}/v1/sessions/${sid}/export?token=${other}`);
        await res.body?.cancel();
        return res.ok ? undefined : `${res.status}`;
      },
      on: { failed: (e) => failed = e },
    });
    await events.done;
    assert.equal(probes, 1);
    assert.equal(failed?.message, "403");

    let failedMint: ClientError | undefined;
    const refused = new AffectstreamClient({
      url,
      token: () => Promise.reject(Object.assign(new Error("login expired"), { status: 401 })),
    }).subscribe(sid, { on: { failed: (e) => failedMint = e } });
    await refused.done;
    assert.equal(failedMint?.code, "unauthorized");
    assert.match(failedMint!.message, /login expired/);
  },
);

Deno.test("serverLastSeq below lastSeq on a reconnect resets the seq, and the replay is delivered", opts, async () => {
  const sid = newSession();
  const direct = new AffectstreamClient({ url: `http://127.0.0.1:${server.port}`, token: adminKey(server) });
  const p = proxy(server.port);
  await talk(direct, sid, "one", 1);
  const seen: number[] = [];
  let resets = 0;
  let held = Infinity;
  const events = await new AffectstreamClient({ url: `http://127.0.0.1:${p.port}`, token: adminKey(server) }).events(
    sid,
    {
      backoffMs: 20,
      serverLastSeq: () => Promise.resolve(held),
      on: { event: (e) => seen.push(e.seq), reset: () => resets++ },
    },
  );
  await until(() => seen.length > 2 && events.lastSeq === seen.at(-1), "the first events");
  const n = seen.length;
  held = 1; // the server says it holds less than we saw (as after a restart without a store)
  p.cutAll();
  await until(() => seen.length >= 2 * n, "the replay");
  assert.equal(resets, 1);
  assert.deepEqual(seen.slice(n, 2 * n), seen.slice(0, n), "the replay starts at seq 1 again");
  await events.end();
  p.close();
});

Deno.test(
  "ingest: consent_required is final with the server's 4403; trySend drops rather than queues; withdrawal",
  opts,
  async () => {
    const url = `http://127.0.0.1:${server.port}`;
    const sid = newSession();
    const noConsent = await mintToken(server, { sessionId: sid, role: "ingest", participantId: "n" });
    const closes: number[] = [];
    const err = await new AffectstreamClient({ url, token: noConsent }).ingest(sid, "n", {
      on: { close: (code) => closes.push(code) },
    }).catch((e) => e);
    assert.ok(err instanceof ClientError);
    assert.equal(err.code, "consent_required");
    assert.equal(err.recoverable, false);
    assert.deepEqual(closes, [4403]);

    const p = proxy(server.port);
    const client = new AffectstreamClient({ url: `http://127.0.0.1:${p.port}`, token: adminKey(server) });
    const ingest = await client.ingest(sid, "live", {
      consent: true,
      audio: { sampleRate: 16000, encoding: "pcm_s16le", channels: 1 },
      highWaterMark: 64 * 1024,
    });
    p.stall();
    const chunk = new Uint8Array(16 * 1024);
    let sent = 0, dropped = 0;
    for (let i = 0; i < 2000 && dropped === 0; i++) {
      if (ingest.trySendAudio(chunk)) sent++;
      else dropped++;
      if (i % 20 === 0) await sleep(5);
    }
    assert.ok(dropped > 0 && sent > 0, `sent ${sent}, dropped ${dropped}`);
    assert.ok(ingest.bufferedAmount <= 64 * 1024 + chunk.length, `buffered ${ingest.bufferedAmount}`);
    p.resume();
    await until(() => ingest.bufferedAmount === 0, "the buffer to drain");
    assert.equal(ingest.trySendAudio(chunk), true);
    const events = await direct(sid);
    await ingest.withdrawConsent({ closeAfterMs: 3000 });
    assert.equal(ingest.trySendAudio(chunk), false, "nothing is sent after a withdrawal");
    assert.equal((await ingest.closed).code, 1000);
    await until(() => events.left.includes("consent_withdrawn"), "participant.left consent_withdrawn");
    await events.conn.end();
    p.close();

    async function direct(sessionId: string) {
      const left: string[] = [];
      const conn = await new AffectstreamClient({ url, token: adminKey(server) }).events(sessionId, {
        on: { event: (e) => e.type === "participant.left" && left.push((e as { reason?: string }).reason ?? "") },
      });
      return { conn, left };
    }
  },
);

Deno.test("the server serves the browser bundle at /static/vendor/affectstream_client.js", opts, async () => {
  const res = await fetch(`http://127.0.0.1:${server.port}/static/vendor/affectstream_client.js`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /javascript/);
  const body = await res.text();
  assert.equal(body, await Deno.readTextFile(new URL("../../static/vendor/affectstream_client.js", import.meta.url)));
});

Deno.test(
  "ingest with reconnect: a cut socket is replaced, hello again, and times are rebased onto the new socket's clock",
  opts,
  async () => {
    const sid = newSession();
    const direct = new AffectstreamClient({ url: `http://127.0.0.1:${server.port}`, token: adminKey(server) });
    const p = proxy(server.port);
    const client = new AffectstreamClient({ url: `http://127.0.0.1:${p.port}`, token: adminKey(server) });
    const opened: number[] = [];
    const retries: number[] = [];
    const closes: number[] = [];
    const ingest = await client.ingest(sid, "bot", {
      consent: true,
      audio: { sampleRate: 16000, encoding: "pcm_s16le", channels: 1 },
      reconnect: true,
      backoffMs: 50,
      on: {
        open: (_r, attempt) => opened.push(attempt),
        reconnecting: (r) => retries.push(r.code),
        close: (c) => closes.push(c),
      },
    });
    const second = new Uint8Array(32_000); // 1 s of silence
    await ingest.sendAudio(second);
    await ingest.sendTranscript({ final: true, text: "before the cut", startMs: 100, endMs: 900 });
    await sleep(200);
    p.cutAll();
    await until(() => ingest.reconnecting || ingest.reconnects > 0, "the drop noticed", 3000);
    ingest.trySendAudio(second.subarray(0, 16_000)); // 0.5 s offered while disconnected: lost, but the clock moves on
    await until(() => ingest.reconnects === 1, "the reconnect", 5000);
    assert.deepEqual(opened, [0, 1]);
    assert.ok(retries.length >= 1 && retries.every((c) => c !== 1000));
    assert.equal(ingest.timeOffsetMs, 1500, "the new socket's clock starts at 1.5 s of the caller's");
    await ingest.sendTranscript({ final: true, text: "after the cut", startMs: 1600, endMs: 2400 });
    assert.equal(ingest.trySendTranscript({ final: true, text: "stale", startMs: 200, endMs: 1400 }), false);
    await ingest.sendAudio(second);
    await ingest.sendAudio(second);
    const closed = await ingest.end();
    assert.equal(closed.code, 1000);
    assert.deepEqual(closes, [1000], "close reported once, at the end");
    const events = await direct.events(sid, { reconnect: false });
    const seen: SessionEvent[] = [];
    const reading = (async () => {
      for await (const e of events) {
        seen.push(e);
        if (e.type === "participant.left" && seen.filter((x) => x.type === "participant.left").length === 2) break;
      }
    })();
    await Promise.race([reading, sleep(8000)]);
    await events.end();
    const joins = seen.filter((e) => e.type === "participant.joined" && e.participantId === "bot");
    assert.equal(joins.length, 2, "the reconnect is a rejoin");
    const withText = seen.find((e) => JSON.stringify(e).includes("after the cut")) as
      | (SessionEvent & { utteranceId: string })
      | undefined;
    assert.ok(withText, `an event with the text sent after the cut: ${JSON.stringify(seen)}`);
    const after = seen.find((e) =>
      e.type === "utterance.end" && (e as { utteranceId?: string }).utteranceId === withText.utteranceId
    ) as
      | (SessionEvent & { startMs: number; endMs: number })
      | undefined;
    assert.ok(after, "its utterance.end");
    assert.equal(after.startMs, 100, "1600 ms on the caller's clock is 100 ms on the new socket's");
    assert.ok(!seen.some((e) => JSON.stringify(e).includes("stale")));
    p.close();
  },
);

Deno.test("ingest with reconnect does not reconnect after a final refusal (4403 consent withdrawn)", opts, async () => {
  const client = new AffectstreamClient({ url: `http://127.0.0.1:${server.port}`, token: adminKey(server) });
  const retries: number[] = [];
  const ingest = await client.ingest(newSession(), "shy", {
    consent: true,
    reconnect: true,
    backoffMs: 50,
    on: { reconnecting: (r) => retries.push(r.code) },
  });
  await ingest.withdrawConsent();
  const closed = await ingest.closed;
  await sleep(300);
  assert.equal(retries.length, 0, `no reconnect after ${closed.code}`);
  assert.equal(ingest.reconnects, 0);
});

Deno.test({
  name: "shutdown",
  ...opts,
  fn: async () => {
    await server.shutdown();
    engine.close();
  },
});
