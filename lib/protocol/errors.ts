/**
 * Error codes of the wire protocol and the WebSocket close codes that go with fatal ones.
 */

/** Every error code a client can receive, in `error` messages and `error` events. */
export type ErrorCode =
  | "bad_json" // a text message that is not JSON
  | "bad_message" // JSON that fails validation (field named in the message)
  | "unknown_type" // a `type` the protocol does not define
  | "hello_required" // audio or other messages before `hello`
  | "hello_repeated" // a second `hello`
  | "unsupported_format" // sample rate, encoding or channel count outside what is accepted
  | "misaligned_audio" // a binary message whose length is not a whole number of sample frames
  | "message_too_large" // over the documented size limit
  | "rate_limited" // media faster than real time beyond the allowance, or too many face messages
  | "overloaded" // the server cannot keep up; media was dropped
  | "bad_id" // session or participant id outside [A-Za-z0-9_.-]{1,64}
  | "participant_connected" // this participant already has an open ingest socket
  | "limit_reached" // too many sessions, participants or subscribers
  | "history_gap" // a resume `since` older than the history the server still holds
  | "slow_subscriber" // a subscriber fell too far behind and was disconnected
  | "stream_ended" // media after `end`
  | "model_error" // a model failed on this participant's data
  | "bad_image" // a video frame whose header cannot be read or that the browser cannot decode
  | "image_too_large" // a video frame beyond the documented resolution
  | "unauthorized" // no, bad or expired token (HTTP 401, or close 4401 once connected)
  | "forbidden" // a valid token outside its scope (HTTP 403, close 4403)
  | "consent_required" // hello without consent and a token without it: nothing is analysed (close 4403)
  | "session_not_found" // the events socket of a session that does not exist (close 4404)
  | "store_degraded" // the event store is failing; events are held in memory until it works again
  | "timeout" // no hello within the hello timeout, or an idle ingest socket
  | "internal"; // a bug: reported, the participant's stream continues if it can

/** WebSocket close codes used by the server (RFC 6455 §7.4 and the 4000–4999 private range). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  policyViolation: 1008,
  messageTooBig: 1009,
  internalError: 1011,
  badRequest: 4400,
  conflict: 4409,
  limitReached: 4429,
  slowSubscriber: 4408,
  unauthorized: 4401,
  forbidden: 4403,
  notFound: 4404,
} as const;

/** A protocol violation by a client. `recoverable` false means the socket is closed with `closeCode`. */
export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly recoverable = true,
    readonly closeCode: number = CloseCode.badRequest,
  ) {
    super(message);
    this.name = "ProtocolError";
  }
}
