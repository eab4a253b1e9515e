/**
 * A subscriber's event WebSocket. Pull-based: the socket reads batches of committed events
 * after its cursor (from the log's memory tail or the store), sends them while the socket's
 * send buffer is under `maxBufferedBytes`, and waits when it is full, so a replay of any length
 * is paced by how fast the subscriber reads and memory per subscriber stays bounded. A
 * subscriber whose buffer stays full for `stallMs` while events wait is closed with 4408
 * `slow_subscriber` and resumes with `since`. Live-only events (`emotion.partial`) are sent to
 * subscribers that are caught up, without a seq.
 */
import type { WSContext, WSEvents } from "hono/ws";
import type { Grant } from "../auth/grant.ts";
import { CloseCode, type ErrorCode, ProtocolError } from "../protocol/errors.ts";
import type { SessionEvent } from "../protocol/events.ts";
import type { Session } from "../session/session.ts";

/** Options for {@linkcode eventsSocket}. */
export interface EventsSocketOptions {
  /** Send-buffer bytes the server fills at most before it waits for the subscriber. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** A subscriber whose buffer stays full this long while events wait is closed (4408), in ms. Default 30,000. */
  stallMs?: number;
  /** Most subscribers per session. Default 64. */
  maxSubscribers?: number;
  /** Events read per batch. Default 200. */
  batchEvents?: number;
}

/** Poll interval while a subscriber's buffer is full, in ms. */
const DRAIN_POLL_MS = 20;
/** Longest single wait for new events before the loop checks its state again, in ms. */
const WAIT_SLICE_MS = 25_000;

/** Serialised events, shared by every subscriber that sends the same event object. */
const wire = new WeakMap<SessionEvent, string>();
function encode(e: SessionEvent): string {
  let s = wire.get(e);
  if (s === undefined) wire.set(e, s = JSON.stringify(e));
  return s;
}

let viewerCounter = 0;

/**
 * WebSocket event handlers for `WS /v1/sessions/{sessionId}/events?since={seq}`. `session`
 * undefined: the session does not exist (closed with 4404, nothing created).
 */
export function eventsSocket(
  session: Session | undefined,
  grant: Grant,
  since: string | undefined,
  options: EventsSocketOptions = {},
  openError?: ProtocolError,
): WSEvents {
  const maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
  const stallMs = options.stallMs ?? 30_000;
  const batchEvents = options.batchEvents ?? 200;
  const ac = new AbortController();
  const cleanups: (() => void)[] = [];
  let closed = false;

  const sendError = (ws: WSContext, code: ErrorCode, message: string, recoverable: boolean) => {
    if (ws.readyState === 1) ws.send(JSON.stringify({ type: "error", code, message, recoverable }));
  };
  const closeWith = (ws: WSContext, err: ProtocolError) => {
    if (closed) return;
    closed = true;
    ac.abort();
    for (const c of cleanups.splice(0)) c();
    if (ws.readyState <= 1) {
      sendError(ws, err.code, err.message, err.recoverable);
      ws.close(err.closeCode, err.message.slice(0, 120));
    }
  };

  async function pump(ws: WSContext, s: Session, sinceSeq: number): Promise<void> {
    const log = s.events;
    const raw = ws.raw as WebSocket;
    await log.ready;
    let cursor = sinceSeq;
    const { oldestSeq: oldest, lastSeq } = await log.bounds();
    if (sinceSeq > lastSeq) {
      sendError(
        ws,
        "history_gap",
        `since=${sinceSeq} is ahead of this session's last seq ${lastSeq} (its numbering began again); replaying from the start`,
        true,
      );
      cursor = 0;
    } else {
      if (sinceSeq + 1 < oldest) {
        sendError(ws, "history_gap", `events ${sinceSeq + 1}–${oldest - 1} are no longer held; replay starts at ${oldest}`, true);
      }
    }
    const offLive = log.onLive((e) => {
      if (!closed && cursor >= log.lastSeq && (raw.bufferedAmount ?? 0) < maxBuffered) ws.send(encode(e));
    });
    cleanups.push(offLive);
    let fullSince: number | undefined;
    while (!closed) {
      if (log.closed) {
        // The server is stopping (or the session left memory): the subscriber resumes with since.
        closeWith(ws, new ProtocolError("internal", `server going away; reconnect with since=${cursor}`, false, CloseCode.goingAway));
        return;
      }
      if ((raw.bufferedAmount ?? 0) >= maxBuffered) {
        const now = performance.now();
        if (cursor < log.lastSeq) {
          fullSince ??= now;
          if (now - fullSince > stallMs) {
            closeWith(
              ws,
              new ProtocolError(
                "slow_subscriber",
                `subscriber fell behind; reconnect with since=${cursor}`,
                false,
                CloseCode.slowSubscriber,
              ),
            );
            return;
          }
        }
        await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
        continue;
      }
      fullSince = undefined;
      const batch = await log.read(cursor, batchEvents);
      if (closed) return;
      if (batch.length === 0) {
        await log.waitForEvents(cursor, WAIT_SLICE_MS, ac.signal);
        continue;
      }
      for (const e of batch) {
        if (closed || ws.readyState !== 1) return;
        ws.send(encode(e));
        cursor = e.seq;
        if ((raw.bufferedAmount ?? 0) >= maxBuffered) break;
      }
    }
  }

  return {
    onOpen(_evt, ws) {
      try {
        if (openError) throw openError;
        if (!session) {
          throw new ProtocolError("session_not_found", "no such session", false, CloseCode.notFound);
        }
        const s = session;
        const sinceSeq = since === undefined || since === "" ? 0 : Number(since);
        if (!Number.isInteger(sinceSeq) || sinceSeq < 0) {
          throw new ProtocolError("bad_message", `since must be a non-negative integer seq`, false);
        }
        if (s.events.listenerCount >= (options.maxSubscribers ?? 64)) {
          throw new ProtocolError("limit_reached", "too many subscribers on this session", false, CloseCode.limitReached);
        }
        cleanups.push(s.events.addSubscriber());
        cleanups.push(s.addViewer({
          viewerId: `v${++viewerCounter}`,
          ...(grant.name ? { name: grant.name } : {}),
          role: grant.role,
          connectedWallMs: Date.now(),
        }));
        cleanups.push(s.onErase((n) => {
          if (n.participantId === undefined) {
            closeWith(ws, new ProtocolError("session_not_found", "the session was erased", false, CloseCode.notFound));
          }
        }));
        if (Number.isFinite(grant.expiresAtMs)) {
          const t = setTimeout(
            () => closeWith(ws, new ProtocolError("unauthorized", "token expired", false, CloseCode.unauthorized)),
            Math.max(0, Math.min(grant.expiresAtMs - Date.now(), 2 ** 31 - 1)),
          );
          cleanups.push(() => clearTimeout(t));
        }
        pump(ws, s, sinceSeq).catch((err) =>
          closeWith(ws, new ProtocolError("internal", `internal error: ${(err as Error)?.message ?? err}`, false, CloseCode.internalError))
        );
      } catch (err) {
        closeWith(ws, err instanceof ProtocolError ? err : new ProtocolError("internal", String(err), false));
      }
    },
    onClose() {
      closed = true;
      ac.abort();
      for (const c of cleanups.splice(0)) c();
    },
  };
}
