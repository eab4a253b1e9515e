/**
 * A subscriber's event WebSocket: replays the session's held events after `since`, then streams
 * new ones. A subscriber that stops reading is bounded by the socket's send buffer: past
 * `maxBufferedBytes` it is closed with 4408 `slow_subscriber` and can reconnect with the last
 * seq it saw, losing nothing the history still holds.
 */
import type { WSContext, WSEvents } from "hono/ws";
import { CloseCode, ProtocolError } from "../protocol/errors.ts";
import type { SessionEvent } from "../protocol/events.ts";
import type { SessionRegistry } from "../session/session_registry.ts";

/** Options for {@linkcode eventsSocket}. */
export interface EventsSocketOptions {
  /** Send-buffer bytes after which a subscriber is dropped. Default 4 MiB. */
  maxBufferedBytes?: number;
  /** Most subscribers per session. Default 64. */
  maxSubscribers?: number;
}

/** WebSocket event handlers for `WS /v1/sessions/{sessionId}/events?since={seq}`. */
export function eventsSocket(
  registry: SessionRegistry,
  sessionId: string,
  since: string | undefined,
  options: EventsSocketOptions = {},
): WSEvents {
  const maxBuffered = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  let unsubscribe: (() => void) | undefined;
  let closed = false;

  const closeWith = (ws: WSContext, err: ProtocolError) => {
    if (closed) return;
    closed = true;
    unsubscribe?.();
    if (ws.readyState === 1) {
      ws.send(JSON.stringify({ type: "error", code: err.code, message: err.message, recoverable: err.recoverable }));
      ws.close(err.closeCode, err.message.slice(0, 120));
    }
  };

  return {
    onOpen(_evt, ws) {
      try {
        const session = registry.get(sessionId);
        const sinceSeq = since === undefined || since === "" ? 0 : Number(since);
        if (!Number.isInteger(sinceSeq) || sinceSeq < 0) {
          throw new ProtocolError("bad_message", `since must be a non-negative integer seq`, false);
        }
        if (session.events.listenerCount >= (options.maxSubscribers ?? 64)) {
          throw new ProtocolError("limit_reached", "too many subscribers on this session", false, CloseCode.limitReached);
        }
        const raw = ws.raw as WebSocket;
        const send = (e: SessionEvent) => {
          if (closed) return;
          if ((raw.bufferedAmount ?? 0) > maxBuffered) {
            closeWith(
              ws,
              new ProtocolError(
                "slow_subscriber",
                `subscriber fell behind; reconnect with since=${e.seq - 1}`,
                false,
                CloseCode.slowSubscriber,
              ),
            );
            return;
          }
          ws.send(JSON.stringify(e));
        };
        const oldest = session.events.oldestSeq;
        if (sinceSeq > session.events.lastSeq) {
          // The session's numbering restarted (a server restart without --data-dir): replay it all.
          ws.send(JSON.stringify({
            type: "error",
            code: "history_gap",
            message: `since=${sinceSeq} is ahead of this session's last seq ${session.events.lastSeq} ` +
              `(the server restarted); replaying from the start`,
            recoverable: true,
          }));
          unsubscribe = session.events.subscribe(0, send).unsubscribe;
          return;
        }
        if (sinceSeq + 1 < oldest) {
          ws.send(JSON.stringify({
            type: "error",
            code: "history_gap",
            message: `events ${sinceSeq + 1}–${oldest - 1} are no longer held; replay starts at ${oldest}`,
            recoverable: true,
          }));
        }
        unsubscribe = session.events.subscribe(sinceSeq, send).unsubscribe;
      } catch (err) {
        closeWith(ws, err instanceof ProtocolError ? err : new ProtocolError("internal", String(err), false));
      }
    },
    onClose() {
      closed = true;
      unsubscribe?.();
    },
  };
}
