/**
 * The ingest WebSocket of one participant: decodes frames, hands them to the participant's
 * stream, and answers protocol errors with an `error` message (and a close code when fatal).
 * Each error is also published on the session's event stream, throttled per code.
 *
 * Access was checked before the upgrade (lib/auth). Here: consent (hello `consent: true` or a
 * token minted with consent, else `consent_required` and close 4403 with nothing analysed),
 * withdrawal (`{"type":"consent","consent":false}` → analysis stops, close 1000), a hello
 * timeout, an idle timeout, and the token's expiry (close 4401).
 */
import type { WSContext, WSEvents } from "hono/ws";
import type { Grant } from "../auth/grant.ts";
import { MAX_BINARY_MESSAGE_BYTES, MAX_TEXT_MESSAGE_BYTES, parseClientMessage } from "../protocol/client_messages.ts";
import { CloseCode, ProtocolError } from "../protocol/errors.ts";
import { SCHEMA_VERSION } from "../protocol/events.ts";
import type { ParticipantStream } from "../session/participant.ts";
import type { ParticipantSlot, Session } from "../session/session.ts";
import { ErrorThrottle } from "../session/error_throttle.ts";

/** Longest close reason WebSocket allows, in bytes. */
const MAX_CLOSE_REASON = 120;

/** A closing socket waits until nothing arrived for this long, in ms. */
const DRAIN_QUIET_MS = 50;
/** Longest wait for a closing socket's client to stop sending, in ms. */
const DRAIN_MAX_MS = 2000;

/** Options for {@linkcode ingestSocket}. */
export interface IngestSocketOptions {
  /** A socket that sends no hello within this is closed (1008, `timeout`), in ms. Default 10,000. */
  helloTimeoutMs?: number;
  /** A socket that sends nothing for this long is closed (1008, `timeout`), in ms. Default 60,000. */
  idleTimeoutMs?: number;
}

/** What the route prepared before the upgrade: the session and the participant's slot, or why not. */
export interface IngestSetup {
  session?: Session;
  slot?: ParticipantSlot;
  error?: unknown;
}

const utf8 = new TextEncoder();

/** UTF-8 length of `s`, computed only when it could exceed `limit` (a UTF-16 unit is at most 3 bytes). */
function utf8Over(s: string, limit: number): boolean {
  if (s.length * 3 <= limit) return false;
  if (s.length > limit) return true;
  return utf8.encode(s).length > limit;
}

/** WebSocket event handlers for `WS /v1/sessions/{sessionId}/participants/{participantId}/ingest`. */
export function ingestSocket(
  setup: IngestSetup,
  grant: Grant,
  sessionId: string,
  participantId: string,
  options: IngestSocketOptions = {},
): WSEvents {
  const { session, slot } = setup;
  const helloTimeoutMs = options.helloTimeoutMs ?? 10_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  let participant: ParticipantStream | undefined;
  let helloSeen = false;
  let closed = false;
  let lastMessage = performance.now();
  const throttle = new ErrorThrottle();
  const cleanups: (() => void)[] = [];

  const finish = () => {
    for (const c of cleanups.splice(0)) c();
    slot?.release();
  };

  /**
   * Closes once the client has stopped sending: frames already in flight are read and dropped
   * first (at most DRAIN_MAX_MS), so the close handshake completes instead of the connection
   * being reset with unread data in it.
   */
  const close = (ws: WSContext, code: number, reason: string) => {
    if (closed) return;
    closed = true;
    for (const c of cleanups.splice(0)) c();
    closeDrained(ws, code, reason);
  };
  const closeDrained = (ws: WSContext, code: number, reason: string) => {
    const started = performance.now();
    const attempt = () => {
      const now = performance.now();
      if (now - lastMessage >= DRAIN_QUIET_MS || now - started >= DRAIN_MAX_MS || ws.readyState !== 1) {
        if (ws.readyState <= 1) ws.close(code, reason.slice(0, MAX_CLOSE_REASON));
      } else setTimeout(attempt, DRAIN_QUIET_MS);
    };
    attempt();
  };

  const fail = (ws: WSContext, err: unknown) => {
    const pe = err instanceof ProtocolError
      ? err
      : new ProtocolError("internal", `internal error: ${(err as Error)?.message ?? err}`, true);
    // One throttle per participant for socket and pipeline errors alike, so floods of either kind
    // cannot flush the session's history; before the participant exists, the socket's own.
    const suppressed = (participant?.throttle ?? throttle).admit(pe.code);
    if (suppressed !== null) {
      const message = suppressed ? `${pe.message} (${suppressed} similar suppressed)` : pe.message;
      if (ws.readyState === 1) {
        ws.send(JSON.stringify({ type: "error", code: pe.code, message, recoverable: pe.recoverable }));
      }
      if (session && !session.erased && participant) {
        void session.events.publish({ type: "error", participantId, code: pe.code, message, recoverable: pe.recoverable });
      }
    }
    if (!pe.recoverable && !closed) {
      close(ws, pe.closeCode, pe.message);
      void participant?.end("error");
    }
  };

  const hello = (ws: WSContext, msg: Parameters<ParticipantStream["hello"]>[0] & { consent?: boolean }) => {
    if (helloSeen) throw new ProtocolError("hello_repeated", "hello may be sent once", false);
    if (msg.consent !== true && grant.consent !== true) {
      throw new ProtocolError(
        "consent_required",
        'analysis needs the participant\'s consent: send hello with "consent": true, or use a token minted with consent',
        false,
        CloseCode.forbidden,
      );
    }
    participant = session!.join(participantId, { consent: true });
    participant.hello(msg);
    helloSeen = true;
    ws.send(JSON.stringify({ type: "ready", sessionId, participantId, schemaVersion: SCHEMA_VERSION }));
  };

  return {
    onOpen(_evt, ws) {
      (ws.raw as WebSocket).binaryType = "arraybuffer";
      if (setup.error !== undefined || !session) {
        const e = setup.error;
        // Whatever stopped the setup (a failing store included) ends this socket: it has no session to feed.
        fail(
          ws,
          e instanceof ProtocolError
            ? e
            : e === undefined
            ? new ProtocolError("session_not_found", "no such session", false, CloseCode.notFound)
            : new ProtocolError("internal", `cannot open the session: ${(e as Error)?.message ?? e}`, false, CloseCode.internalError),
        );
        return;
      }
      const timer = setInterval(() => {
        const idle = performance.now() - lastMessage;
        if (!helloSeen && idle > helloTimeoutMs) {
          fail(ws, new ProtocolError("timeout", `no hello within ${helloTimeoutMs} ms`, false, CloseCode.policyViolation));
        } else if (helloSeen && idle > idleTimeoutMs) {
          fail(ws, new ProtocolError("timeout", `nothing received for ${idleTimeoutMs} ms`, false, CloseCode.policyViolation));
        }
      }, Math.max(50, Math.min(1000, Math.floor(Math.min(helloTimeoutMs, idleTimeoutMs) / 4))));
      cleanups.push(() => clearInterval(timer));
      cleanups.push(session.onErase((n) => {
        if (n.participantId !== undefined && n.participantId !== participantId) return;
        const whole = n.participantId === undefined;
        if (ws.readyState === 1) {
          ws.send(JSON.stringify({
            type: "error",
            code: whole ? "session_not_found" : "forbidden",
            message: whole ? "the session was erased" : "this participant's data was erased",
            recoverable: false,
          }));
        }
        close(ws, whole ? CloseCode.notFound : CloseCode.forbidden, "erased");
      }));
      if (Number.isFinite(grant.expiresAtMs)) {
        const t = setTimeout(
          () => fail(ws, new ProtocolError("unauthorized", "token expired", false, CloseCode.unauthorized)),
          Math.max(0, Math.min(grant.expiresAtMs - Date.now(), 2 ** 31 - 1)),
        );
        cleanups.push(() => clearTimeout(t));
      }
    },
    onMessage(evt, ws) {
      lastMessage = performance.now();
      if (closed || !session) return;
      try {
        const data = evt.data;
        if (typeof data === "string") {
          if (utf8Over(data, MAX_TEXT_MESSAGE_BYTES)) {
            throw new ProtocolError("message_too_large", `text messages are limited to ${MAX_TEXT_MESSAGE_BYTES} bytes (UTF-8)`);
          }
          const msg = parseClientMessage(data);
          if (!helloSeen && msg.type !== "hello") {
            throw new ProtocolError("hello_required", `the first message must be hello, got ${msg.type}`, false);
          }
          switch (msg.type) {
            case "hello":
              hello(ws, msg);
              break;
            case "face":
              participant!.face(msg.frame);
              break;
            case "transcript":
              participant!.transcript(msg);
              break;
            case "consent":
              // Withdrawal: nothing more is analysed or published for this participant.
              participant!.withdraw();
              close(ws, CloseCode.normal, "consent_withdrawn");
              break;
            case "end": {
              closed = true;
              for (const c of cleanups.splice(0)) c();
              const p = participant!;
              p.end("end").then(
                () => closeDrained(ws, CloseCode.normal, "end"),
                (err) => fail(ws, err),
              );
              break;
            }
          }
        } else if (data instanceof ArrayBuffer) {
          if (data.byteLength > MAX_BINARY_MESSAGE_BYTES) {
            throw new ProtocolError(
              "message_too_large",
              `binary messages are limited to ${MAX_BINARY_MESSAGE_BYTES} bytes`,
              false,
              CloseCode.messageTooBig,
            );
          }
          if (!helloSeen) throw new ProtocolError("hello_required", "the first message must be hello", false);
          participant!.audio(new Uint8Array(data));
        } else {
          throw new ProtocolError("bad_message", "unsupported frame type");
        }
      } catch (err) {
        fail(ws, err);
      }
    },
    onClose() {
      closed = true;
      finish();
      if (participant && !participant.ended) void participant.end("disconnect");
    },
  };
}
