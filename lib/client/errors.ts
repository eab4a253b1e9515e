/** Errors the client raises; `code` is the protocol's error code when the server sent one. */
import type { ErrorCode } from "../protocol/errors.ts";

/** Why a client call failed. */
export type ClientErrorKind = "timeout" | "closed" | "server" | "refused";

/** A failed connection, a timeout, or an error message from the server. */
export class ClientError extends Error {
  constructor(
    readonly kind: ClientErrorKind,
    message: string,
    /** The server's error code, for kind "server" (and "closed" when the close carried one). */
    readonly code?: ErrorCode | string,
    /** Whether the server said the stream goes on after it. */
    readonly recoverable = kind === "server",
    /** The WebSocket close code, when closed. */
    readonly closeCode?: number,
  ) {
    super(message);
    this.name = "ClientError";
  }
}
