import assert from "node:assert/strict";
import { startServer } from "../server.ts";

Deno.test("a subscriber that stops reading is disconnected instead of buffering without bound", {
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const server = await startServer({
    port: 0,
    engine: { disable: ["voice", "face", "text"] },
    app: { events: { maxBufferedBytes: 64 * 1024 } },
  });
  try {
    // A raw TCP client completes the WebSocket handshake and then never reads.
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await conn.write(new TextEncoder().encode(
      "GET /v1/sessions/slow/events HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    ));
    const session = server.registry.get("slow");
    for (let i = 0; i < 50 && session.events.listenerCount === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(session.events.listenerCount, 1);
    for (let i = 0; i < 20_000 && session.events.listenerCount > 0; i++) {
      session.events.publish({ type: "error", participantId: "x", code: "internal", message: "x".repeat(500), recoverable: true });
      if (i % 1000 === 999) await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(session.events.listenerCount, 0, "slow subscriber dropped");
    assert.equal(session.events.lastSeq <= 20_000, true);
    conn.close();
  } finally {
    await server.shutdown();
    server.engine.close();
  }
});
