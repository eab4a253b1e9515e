/**
 * Checks a WebSocket upgrade request before Deno sees it (RFC 6455 §4.2.1), so a malformed
 * handshake gets a 4xx that says what is wrong instead of an internal error: no `Upgrade:
 * websocket` → 426, a version other than 13 → 426 with `Sec-WebSocket-Version: 13`, a missing
 * or malformed `Sec-WebSocket-Key` → 400.
 */
import type { MiddlewareHandler } from "hono";

/** The only WebSocket protocol version (RFC 6455). */
export const WEBSOCKET_VERSION = "13";

/** Whether `key` is base64 of 16 bytes, as RFC 6455 requires. */
export function validWebSocketKey(key: string | undefined): boolean {
  if (!key || !/^[A-Za-z0-9+/]{22}==$/.test(key.trim())) return false;
  return true;
}

/** Middleware for WebSocket routes: refuses handshakes Deno would fail on. */
export function webSocketHandshake(): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      return c.json({ error: "upgrade_required", message: "this route is a WebSocket" }, 426, { upgrade: "websocket" });
    }
    const version = c.req.header("sec-websocket-version")?.trim();
    if (version !== WEBSOCKET_VERSION) {
      return c.json(
        { error: "upgrade_required", message: `Sec-WebSocket-Version must be ${WEBSOCKET_VERSION}` },
        426,
        { "sec-websocket-version": WEBSOCKET_VERSION },
      );
    }
    if (!validWebSocketKey(c.req.header("sec-websocket-key"))) {
      return c.json({ error: "bad_request", message: "Sec-WebSocket-Key must be base64 of 16 bytes" }, 400);
    }
    await next();
  };
}
