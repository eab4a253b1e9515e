import assert from "node:assert/strict";
import { startServer } from "../server.ts";
import { rawRequest, WS_HEADERS, withToken } from "../testing/auth.ts";
import { TestSocket } from "../testing/ws_client.ts";
import type { EventBody } from "../protocol/events.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const filler = (i: number): EventBody => ({
  type: "error",
  participantId: "x",
  code: "internal",
  message: `${i} ${"x".repeat(480)}`,
  recoverable: true,
});

Deno.test("a since=0 replay of 9,000 events is paced to a reading subscriber: all arrive in order, none is closed", opts, async () => {
  const server = await startServer({
    port: 0,
    engine: { disable: ["voice", "face", "text"] },
    app: { events: { maxBufferedBytes: 64 * 1024, stallMs: 2000 } },
  });
  try {
    const session = (await server.registry.open("replay", { create: true }))!;
    for (let i = 0; i < 9000; i++) void session.events.publish(filler(i));
    await session.events.flush();
    assert.equal(session.events.lastSeq, 9000);
    const sub = new TestSocket(withToken(`ws://127.0.0.1:${server.port}/v1/sessions/replay/events?since=0`, server.adminKey));
    await sub.waitFor((m) => m.length >= 9000, 30_000);
    assert.equal(sub.closeCode, undefined, "still open");
    const seqs = sub.messages.map((m) => m.seq as number);
    assert.deepEqual(seqs, Array.from({ length: 9000 }, (_, i) => i + 1));
    sub.close();
  } finally {
    await server.shutdown();
    server.engine.close();
  }
});

Deno.test("a subscriber that never reads holds a bounded buffer and is closed (4408) only after staying full for stallMs", opts, async () => {
  const stallMs = 1500;
  const server = await startServer({
    port: 0,
    engine: { disable: ["voice", "face", "text"] },
    app: { events: { maxBufferedBytes: 64 * 1024, stallMs } },
  });
  try {
    const session = (await server.registry.open("slow", { create: true }))!;
    // A raw TCP client completes the WebSocket handshake and then never reads.
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    const path = withToken("/v1/sessions/slow/events", server.adminKey);
    await conn.write(new TextEncoder().encode(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n` +
        Object.entries(WS_HEADERS).map(([k, v]) => `${k}: ${v}\r\n`).join("") + "\r\n",
    ));
    for (let i = 0; i < 100 && session.events.listenerCount === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(session.events.listenerCount, 1);
    const t0 = performance.now();
    for (let i = 0; i < 20_000; i++) {
      void session.events.publish(filler(i));
      if (i % 1000 === 999) await new Promise((r) => setTimeout(r, 5));
    }
    await session.events.flush();
    let closedAfter = -1;
    for (let i = 0; i < 400; i++) {
      if (session.events.listenerCount as number === 0) {
        closedAfter = performance.now() - t0;
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.ok(closedAfter >= stallMs, `closed after ${closedAfter} ms, not before ${stallMs}`);
    assert.equal(session.events.listenerCount as number, 0, "slow subscriber dropped");
    conn.close();
  } finally {
    await server.shutdown();
    server.engine.close();
  }
});

Deno.test("the WebSocket handshake is checked before the upgrade: no key → 400, version 8 → 426, plain GET → 426", opts, async () => {
  const server = await startServer({ port: 0, engine: { disable: ["voice", "face", "text"] } });
  try {
    const path = withToken("/v1/sessions/hs/events", server.adminKey);
    const { "sec-websocket-key": _key, ...noKey } = WS_HEADERS;
    const r1 = await rawRequest(server.port, path, noKey);
    assert.equal(r1.status, 400);
    assert.doesNotMatch(r1.body, /internal/);
    const r2 = await rawRequest(server.port, path, { ...WS_HEADERS, "sec-websocket-version": "8" });
    assert.equal(r2.status, 426);
    assert.equal(r2.headers["sec-websocket-version"], "13");
    const r3 = await rawRequest(server.port, path, {});
    assert.equal(r3.status, 426);
  } finally {
    await server.shutdown();
    server.engine.close();
  }
});
