/**
 * What the ingest and video connections share: open, `hello`, wait for `ready`, report the
 * server's `error` replies to a callback (a fatal one also rejects pending calls), send with
 * back-pressure, and a clean `end()` that flushes on the server and waits for its close.
 */
import type { HelloMessage } from "../protocol/client_messages.ts";
import { ClientError } from "./errors.ts";
import {
  ManagedSocket,
  resolveConnectionOptions,
  type ResolvedConnectionOptions,
  withTimeout,
} from "./managed_socket.ts";
import type { ConnectionOptions, ErrorMessage, ReadyMessage, ServerReply } from "./types.ts";

/** Callbacks of an ingest or video connection. */
export interface MediaCallbacks {
  /** The server is ready for media. */
  open?: (ready: ReadyMessage) => void;
  /** An `error` reply (recoverable ones too: e.g. `rate_limited`, a frame dropped). */
  error?: (err: ClientError) => void;
  /** The socket closed (after `end()` with code 1000). */
  close?: (code: number, reason: string) => void;
}

/** Options of a media connection. */
export interface MediaConnectionOptions extends ConnectionOptions {
  /** Longest `end()` waits for the server to flush and close, in ms. Default 30000. */
  endTimeoutMs?: number;
  on?: MediaCallbacks;
}

/** An open ingest or video socket. */
export abstract class MediaConnection {
  /** The server's `ready` message. */
  ready!: ReadyMessage;
  /** Error replies received so far, by code. */
  readonly errorCounts: Record<string, number> = {};
  protected socket!: ManagedSocket;
  protected readonly o: ResolvedConnectionOptions;
  #endTimeoutMs: number;
  #on: MediaCallbacks;
  #fatal?: ClientError;
  #ending = false;

  protected constructor(private readonly url: string, options: MediaConnectionOptions) {
    this.o = resolveConnectionOptions(options);
    this.#endTimeoutMs = options.endTimeoutMs ?? 30_000;
    this.#on = options.on ?? {};
  }

  /** Opens the socket, sends `hello` when given, and resolves on `ready`. */
  protected async connect(hello?: HelloMessage): Promise<void> {
    let readyResolve!: (r: ReadyMessage) => void, readyReject!: (e: unknown) => void;
    const ready = new Promise<ReadyMessage>((res, rej) => (readyResolve = res, readyReject = rej));
    const started = Date.now();
    this.socket = await ManagedSocket.open(this.url, {
      message: (data) => {
        if (typeof data !== "string") return;
        let m: ServerReply;
        try {
          m = JSON.parse(data);
        } catch {
          return;
        }
        if (m.type === "ready") readyResolve(m);
        else if (m.type === "error") {
          const err = errorOf(m);
          this.errorCounts[m.code] = (this.errorCounts[m.code] ?? 0) + 1;
          if (!m.recoverable) {
            this.#fatal = err;
            readyReject(err);
          }
          this.#on.error?.(err);
        }
      },
      close: (code, reason) => {
        readyReject(
          this.#fatal ?? new ClientError("closed", `closed before ready (${code} ${reason})`, undefined, false, code),
        );
        this.#on.close?.(code, reason);
      },
    }, this.o);
    if (hello) await this.socket.send(JSON.stringify(hello));
    const left = Math.max(1, this.o.openTimeoutMs - (Date.now() - started));
    try {
      this.ready = await withTimeout(ready, left, "waiting for ready");
    } catch (err) {
      // After a fatal error the server closes with its own code (e.g. 4403 consent_required): wait for it briefly.
      if (this.#fatal) await withTimeout(this.socket.closed, 1000, "the server's close").catch(() => {});
      await this.socket.close();
      throw err;
    }
    this.#on.open?.(this.ready);
  }

  /** Whether the socket is open. */
  get isOpen(): boolean {
    return this.socket.isOpen;
  }

  /** Bytes waiting in the send buffer. */
  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  /** Resolves with the close code and reason once the socket closed. */
  get closed(): Promise<{ code: number; reason: string }> {
    return this.socket.closed;
  }

  protected async sendRaw(data: string | Uint8Array): Promise<void> {
    if (this.#fatal) throw this.#fatal;
    if (this.#ending) throw new ClientError("closed", "end() was called");
    await this.socket.send(data);
  }

  /** Sends now or drops (returns false): closed, ending, after a fatal error, or buffer above the high-water mark. */
  protected trySendRaw(data: string | Uint8Array): boolean {
    if (this.#fatal || this.#ending) return false;
    return this.socket.trySend(data);
  }

  /** Whether `end()`, `close()` or a withdrawal was called. */
  get ending(): boolean {
    return this.#ending;
  }

  /** Marks the connection as ending: sends are refused from now on. */
  protected markEnding(): void {
    this.#ending = true;
  }

  /**
   * Sends `end`: the server flushes the stream (last utterance analysed, `participant.left`)
   * and closes with 1000. Resolves with the close; idempotent.
   */
  async end(): Promise<{ code: number; reason: string }> {
    if (!this.#ending && this.socket.isOpen) {
      this.#ending = true;
      await this.socket.drain().catch(() => {});
      if (this.socket.isOpen) await this.socket.send(JSON.stringify({ type: "end" })).catch(() => {});
    }
    this.#ending = true;
    try {
      return await withTimeout(this.socket.closed, this.#endTimeoutMs, "end");
    } catch (err) {
      await this.socket.close(1000, "end timed out");
      throw err;
    }
  }

  /** Closes at once without `end` (the server flushes as for a disconnect). */
  async close(): Promise<void> {
    this.#ending = true;
    await this.socket.close();
  }
}

/** A ClientError of a server `error` reply. */
export function errorOf(m: ErrorMessage): ClientError {
  return new ClientError("server", `${m.code}: ${m.message}`, m.code, m.recoverable);
}
