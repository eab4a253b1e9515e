/**
 * The wire protocol as an AsyncAPI 3.0 document (served at `/v1/asyncapi.json`), built from the
 * protocol's own types and constants (schemas in asyncapi_schemas.ts). asyncapi_test.ts reads the
 * protocol sources and checks every error code, event, client message and field appears in it.
 */
import { MAX_IMAGE_BYTES, MAX_IMAGE_LONG_SIDE, MAX_IMAGE_SHORT_SIDE } from "../face/server_faces_image.ts";
import { MAX_BINARY_MESSAGE_BYTES, MAX_TEXT_MESSAGE_BYTES } from "./client_messages.ts";
import { CloseCode } from "./errors.ts";
import { SCHEMA_VERSION } from "./events.ts";
import { ID_PATTERN } from "./ids.ts";
import {
  bool,
  CLIENT_MESSAGES,
  envelope,
  ERROR_CODES,
  errorCode,
  EVENTS,
  faceEntry,
  MISSING_REASONS,
  obj,
  type Schema,
  str,
  typed,
} from "./asyncapi_schemas.ts";

export { CLIENT_MESSAGES, ERROR_CODES, EVENTS, MISSING_REASONS } from "./asyncapi_schemas.ts";

const message = (name: string, payload: Schema, summary: string, contentType = "application/json") => ({
  name,
  title: name,
  summary,
  contentType,
  payload,
});

/** The AsyncAPI 3.0 document of the protocol. */
export function asyncApiDocument(): Record<string, unknown> {
  const ids = {
    sessionId: { description: `session id, ${ID_PATTERN.source}` },
    participantId: { description: `participant id, ${ID_PATTERN.source}` },
  };
  const reply = {
    ready: message(
      "ready",
      typed("ready", { sessionId: str, participantId: str, schemaVersion: { const: SCHEMA_VERSION } }, [
        "sessionId",
        "participantId",
      ]),
      "the socket is ready for media",
    ),
    error: message(
      "error",
      typed("error", { code: errorCode, message: str, recoverable: bool }, ["code", "message", "recoverable"]),
      "a protocol error; fatal ones are followed by a close",
    ),
  };
  const clientMsgs = Object.fromEntries(
    Object.entries(CLIENT_MESSAGES).map(([t, schema]) => [t, message(t, schema, String(schema.description ?? t))]),
  );
  const audio = message(
    "audio",
    { type: "string", format: "binary", maxLength: MAX_BINARY_MESSAGE_BYTES },
    `interleaved little-endian samples in hello's format, whole sample frames, at most ${MAX_BINARY_MESSAGE_BYTES} bytes`,
    "application/octet-stream",
  );
  const videoFrame = message(
    "videoFrame",
    { type: "string", format: "binary", maxLength: 8 + MAX_IMAGE_BYTES },
    `8-byte little-endian float64 timeMs on the participant's media clock, then one JPEG, PNG or WebP image ` +
      `(at most ${MAX_IMAGE_BYTES} bytes, ${MAX_IMAGE_LONG_SIDE}×${MAX_IMAGE_SHORT_SIDE} pixels, 5 frames per second)`,
    "application/octet-stream",
  );
  const eventMsgs = Object.fromEntries(
    Object.entries(EVENTS).map((
      [t, body],
    ) => [t, message(t, { allOf: [envelope, body] }, String(body.description ?? t))]),
  );
  const refs = (channel: string, names: string[]) =>
    names.map((n) => ({ $ref: `#/channels/${channel}/messages/${n}` }));
  const clientTypes = Object.keys(CLIENT_MESSAGES);
  const closeCodes = Object.fromEntries(Object.entries(CloseCode).map(([k, v]) => [String(v), k]));
  return {
    asyncapi: "3.0.0",
    info: {
      title: "affectstream",
      version: `1 (event schema ${SCHEMA_VERSION})`,
      description: "Real-time multimodal emotion analysis: media in per participant, events out per session. " +
        "Times are milliseconds on the participant's media clock. docs/protocol.md explains it in prose.",
      "x-closeCodes": closeCodes,
      "x-limits": {
        textMessageBytes: MAX_TEXT_MESSAGE_BYTES,
        binaryMessageBytes: MAX_BINARY_MESSAGE_BYTES,
        videoFrameBytes: MAX_IMAGE_BYTES,
      },
    },
    defaultContentType: "application/json",
    servers: {
      local: { host: "127.0.0.1:8787", protocol: "ws", security: [{ $ref: "#/components/securitySchemes/token" }] },
    },
    channels: {
      ingest: {
        address: "/v1/sessions/{sessionId}/participants/{participantId}/ingest",
        parameters: ids,
        description: "one per participant: hello, then audio (binary) and face / transcript messages, then end",
        messages: { ...clientMsgs, audio, ...reply },
      },
      video: {
        address: "/v1/sessions/{sessionId}/participants/{participantId}/video",
        parameters: ids,
        description: "encoded video frames of a participant; the server measures faces (up to 2, stable faceId) " +
          "and adds them to the participant's emotion events",
        messages: { videoFrame, hello: clientMsgs.hello, end: clientMsgs.end, consent: clientMsgs.consent, ...reply },
      },
      events: {
        address: "/v1/sessions/{sessionId}/events",
        parameters: { sessionId: ids.sessionId },
        description:
          "every event of the session: the held history after `since`, then live ones, strictly increasing seq",
        bindings: { ws: { query: obj({ since: { type: "integer", minimum: 0, default: 0 }, token: str }) } },
        messages: { ...eventMsgs, socketError: reply.error },
      },
    },
    operations: {
      sendIngest: {
        action: "send",
        channel: { $ref: "#/channels/ingest" },
        messages: refs("ingest", [...clientTypes, "audio"]),
      },
      receiveIngestReplies: {
        action: "receive",
        channel: { $ref: "#/channels/ingest" },
        messages: refs("ingest", ["ready", "error"]),
      },
      sendVideo: {
        action: "send",
        channel: { $ref: "#/channels/video" },
        messages: refs("video", ["videoFrame", "hello", "end", "consent"]),
      },
      receiveVideoReplies: {
        action: "receive",
        channel: { $ref: "#/channels/video" },
        messages: refs("video", ["ready", "error"]),
      },
      receiveEvents: {
        action: "receive",
        channel: { $ref: "#/channels/events" },
        messages: refs("events", [...Object.keys(EVENTS), "socketError"]),
      },
    },
    components: {
      securitySchemes: {
        token: {
          type: "httpApiKey",
          name: "token",
          in: "query",
          description:
            "an ingest, view or admin token (HS256 JWT) or the admin key; HTTP routes also take Authorization: Bearer",
        },
      },
      schemas: {
        envelope,
        faceEntry,
        errorCodes: { type: "string", enum: Object.keys(ERROR_CODES), "x-descriptions": ERROR_CODES },
        missingReasons: { type: "string", enum: Object.keys(MISSING_REASONS), "x-descriptions": MISSING_REASONS },
      },
    },
  };
}
