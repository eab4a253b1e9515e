/**
 * The ingest WebSocket of one participant: decodes frames, hands them to the participant's
 * stream, and answers protocol errors with an `error` message (and a close code when fatal).
 * Each error is also published on the session's event stream, throttled per code.
 */
import type { WSContext, WSEvents } from "hono/ws";
import { MAX_BINARY_MESSAGE_BYTES, parseClientMessage } from "../protocol/client_messages.ts";
import { CloseCode, ProtocolError } from "../protocol/errors.ts";
import { validateId } from "../protocol/ids.ts";
import type { ParticipantStream } from "../session/participant.ts";
import type { Session } from "../session/session.ts";
import type { SessionRegistry } from "../session/session_registry.ts";
import { ErrorThrottle } from "../session/error_throttle.ts";

/** Longest close reason WebSocket allows, in bytes. */
const MAX_CLOSE_REASON = 120;

/** WebSocket event handlers for `WS /v1/sessions/{sessionId}/participants/{participantId}/ingest`. */
export function ingestSocket(registry: SessionRegistry, sessionId: string, participantId: string): WSEvents {
  let session: Session | undefined;
  let participant: ParticipantStream | undefined;
  let helloSeen = false;
  let closed = false;
  const throttle = new ErrorThrottle();

  const fail = (ws: WSContext, err: unknown) => {
    const pe = err instanceof ProtocolError
      ? err
      : new ProtocolError("internal", `internal error: ${(err as Error)?.message ?? err}`, true);
    const suppressed = throttle.admit(pe.code);
    if (suppressed !== null) {
      const message = suppressed ? `${pe.message} (${suppressed} similar suppressed)` : pe.message;
      if (ws.readyState === 1) {
        ws.send(JSON.stringify({ type: "error", code: pe.code, message, recoverable: pe.recoverable }));
      }
      session?.events.publish({ type: "error", participantId, code: pe.code, message, recoverable: pe.recoverable });
    }
    if (!pe.recoverable && !closed) {
      closed = true;
      ws.close(pe.closeCode, pe.message.slice(0, MAX_CLOSE_REASON));
      void participant?.end("error");
    }
  };

  return {
    onOpen(_evt, ws) {
      (ws.raw as WebSocket).binaryType = "arraybuffer";
      try {
        validateId("participant", participantId);
        session = registry.get(sessionId);
        participant = session.join(participantId);
      } catch (err) {
        fail(ws, err);
      }
    },
    onMessage(evt, ws) {
      if (closed || !participant) return;
      try {
        const data = evt.data;
        if (typeof data === "string") {
          const msg = parseClientMessage(data);
          if (!helloSeen && msg.type !== "hello") {
            throw new ProtocolError("hello_required", `the first message must be hello, got ${msg.type}`, false);
          }
          switch (msg.type) {
            case "hello":
              participant.hello(msg);
              helloSeen = true;
              ws.send(JSON.stringify({ type: "ready", sessionId, participantId }));
              break;
            case "face":
              participant.face(msg.frame);
              break;
            case "transcript":
              participant.transcript(msg);
              break;
            case "end":
              closed = true;
              participant.end("end").then(
                () => ws.close(CloseCode.normal, "end"),
                (err) => fail(ws, err),
              );
              break;
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
          participant.audio(new Uint8Array(data));
        } else {
          throw new ProtocolError("bad_message", "unsupported frame type");
        }
      } catch (err) {
        fail(ws, err);
      }
    },
    onClose() {
      closed = true;
      if (participant && !participant.ended) void participant.end("disconnect");
    },
  };
}
