/**
 * What the server sends on ingest and video sockets (besides events, which come on the events
 * socket), and the options every connection shares.
 */
import type { ErrorCode } from "../protocol/errors.ts";

/** Sent once a socket is ready for media (after `hello` on ingest, on open on video). */
export interface ReadyMessage {
  type: "ready";
  sessionId: string;
  participantId: string;
  schemaVersion?: number;
}

/** A protocol error reply. */
export interface ErrorMessage {
  type: "error";
  code: ErrorCode;
  message: string;
  recoverable: boolean;
}

/** Every message an ingest or video socket receives. */
export type ServerReply = ReadyMessage | ErrorMessage;

/** Options shared by every connection. */
export interface ConnectionOptions {
  /** Longest wait for the socket to open (and `ready`), in ms. Default 10000. */
  openTimeoutMs?: number;
  /** Send-buffer bytes above which sends wait for the socket to drain. Default 1 MiB. */
  highWaterMark?: number;
  /** Longest a send waits for the buffer to drain, in ms. Default 10000. */
  drainTimeoutMs?: number;
}

/** The WebSocket constructor to use (browsers and Deno have one globally; Node ≥ 22 too). */
export type WebSocketLike = typeof WebSocket;

/**
 * Supplies the token for each (re)connect and HTTP call. `fresh` is true after the server refused
 * the last one (close 4401, e.g. it expired): mint another if possible, else return undefined.
 * A thrown error with `status` 401 or 403 (minting itself refused) ends a subscription.
 */
export type TokenProvider = (fresh: boolean) => string | undefined | Promise<string | undefined>;
