/**
 * What the ingest and video connections share: open, `hello`, wait for `ready`, report the
 * server's `error` replies to a callback (a fatal one also rejects pending calls), send with
 * back-pressure, a clean `end()` that flushes on the server and waits for its close, and (with
 * `reconnect: true`) a new socket after a drop: exponential backoff, the same `hello`, a fresh
 * token after 4401. The server treats a reconnect as the participant rejoining: a new stream
 * whose media clock starts at 0 (see IngestConnection for how times are rebased).
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
  /** The server is ready for media (again after a reconnect: `attempt` > 0 is the reconnect's number). */
  open?: (ready: ReadyMessage, attempt: number) => void;
  /** An `error` reply (recoverable ones too: e.g. `rate_limited`, a frame dropped). */
  error?: (err: ClientError) => void;
  /** The connection closed for good (after `end()` with code 1000, or a close not reconnected after). */
  close?: (code: number, reason: string) => void;
  /** The socket dropped and a new one is tried after `delayMs` (only with `reconnect: true`). */
  reconnecting?: (info: { attempt: number; delayMs: number; code: number; reason: string }) => void;
}

/** Options of a media connection. */
export interface MediaConnectionOptions extends ConnectionOptions {
  /** Longest `end()` waits for the server to flush and close, in ms. Default 30000. */
  endTimeoutMs?: number;
  on?: MediaCallbacks;
  /**
   * Open a new socket after a drop (network cut, server restart, 1001/1006/1011/1012/1013, 4409
   * while the server still holds the old socket, 4429, 4401 once with a fresh token). Never after
   * `end()`/`close()`, a fatal error reply, or 1000, 1008, 4400, 4403, 4404. Default false.
   */
  reconnect?: boolean;
  /** First reconnect delay, doubled per failed attempt, in ms. Default 250. */
  backoffMs?: number;
  /** Largest reconnect delay, in ms. Default 10000. */
  maxBackoffMs?: number;
  /** Failed reconnects in a row before giving up (then `close`). Default Infinity. */
  maxAttempts?: number;
}

/** Gives the socket URL for each (re)connect; `fresh` after a 4401 close (mint a new token). */
export type MediaUrl = string | ((fresh: boolean) => string | Promise<string>);

/** Close codes after which a reconnect cannot help. */
const FINAL_CLOSES = new Set([1000, 1008, 4400, 4403, 4404]);

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
  #hello?: HelloMessage;
  #reconnect: { on: boolean; backoffMs: number; maxBackoffMs: number; maxAttempts: number };
  /** Successful reconnects so far. */
  #reconnects = 0;
  /** Set while a reconnect is pending: resolves when a new socket is ready, rejects on giving up. */
  #reopened?: Promise<void>;
  #final = Promise.withResolvers<{ code: number; reason: string }>();
  #finalised = false;

  protected constructor(private readonly url: MediaUrl, options: MediaConnectionOptions) {
    this.o = resolveConnectionOptions(options);
    this.#endTimeoutMs = options.endTimeoutMs ?? 30_000;
    this.#on = options.on ?? {};
    this.#reconnect = {
      on: options.reconnect ?? false,
      backoffMs: options.backoffMs ?? 250,
      maxBackoffMs: options.maxBackoffMs ?? 10_000,
      maxAttempts: options.maxAttempts ?? Infinity,
    };
    if (!(this.#reconnect.backoffMs >= 0)) throw new RangeError("backoffMs must be ≥ 0");
    if (!(this.#reconnect.maxBackoffMs >= this.#reconnect.backoffMs)) {
      throw new RangeError("maxBackoffMs must be ≥ backoffMs");
    }
    if (!(this.#reconnect.maxAttempts >= 1)) throw new RangeError("maxAttempts must be ≥ 1");
    this.#final.promise.catch(() => {});
  }

  /** Successful reconnects so far. */
  get reconnects(): number {
    return this.#reconnects;
  }

  /** Called after each successful reconnect, before `open` is reported (subclasses rebase clocks). */
  protected onReconnected(): void {}

  /** Opens the socket, sends `hello` when given, and resolves on `ready`. */
  protected async connect(hello?: HelloMessage): Promise<void> {
    this.#hello = hello;
    await this.#openSocket(false, true);
    this.#on.open?.(this.ready, 0);
  }

  async #openSocket(fresh: boolean, initial = false): Promise<void> {
    const hello = this.#hello;
    let readyResolve!: (r: ReadyMessage) => void, readyReject!: (e: unknown) => void;
    const ready = new Promise<ReadyMessage>((res, rej) => (readyResolve = res, readyReject = rej));
    ready.catch(() => {});
    const started = Date.now();
    const url = typeof this.url === "string" ? this.url : await this.url(fresh);
    let isReady = false;
    const socket: ManagedSocket = await ManagedSocket.open(url, {
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
        if (isReady && socket === this.socket) this.#dropped(code, reason);
        else if (initial) this.#closeFinal(code, reason);
      },
    }, this.o);
    this.socket = socket;
    if (hello) await socket.send(JSON.stringify(hello));
    const left = Math.max(1, this.o.openTimeoutMs - (Date.now() - started));
    try {
      this.ready = await withTimeout(ready, left, "waiting for ready");
      isReady = true;
      if (!socket.isOpen) throw new ClientError("closed", "closed right after ready");
    } catch (err) {
      // After a fatal error the server closes with its own code (e.g. 4403 consent_required): wait for it briefly.
      if (this.#fatal) await withTimeout(socket.closed, 1000, "the server's close").catch(() => {});
      await socket.close();
      throw err;
    }
  }

  /** The ready socket closed: reconnect when allowed, else close for good. */
  #dropped(code: number, reason: string): void {
    const r = this.#reconnect;
    if (!r.on || this.#ending || this.#fatal || FINAL_CLOSES.has(code)) return this.#closeFinal(code, reason);
    const reopened = Promise.withResolvers<void>();
    reopened.promise.catch(() => {});
    this.#reopened = reopened.promise;
    let attempt = 0;
    let lastCode = code, lastReason = reason;
    let freshUsed = false;
    const tryAgain = () => {
      if (this.#ending) {
        reopened.reject(new ClientError("closed", "end() was called while reconnecting"));
        return this.#closeFinal(lastCode, lastReason);
      }
      if (attempt >= r.maxAttempts) {
        reopened.reject(new ClientError("closed", `gave up after ${attempt} reconnects (${lastCode} ${lastReason})`));
        return this.#closeFinal(lastCode, lastReason);
      }
      const fresh = lastCode === 4401 && !freshUsed;
      const delayMs = fresh ? 0 : Math.min(r.maxBackoffMs, r.backoffMs * 2 ** attempt);
      attempt++;
      this.#on.reconnecting?.({ attempt, delayMs, code: lastCode, reason: lastReason });
      setTimeout(async () => {
        if (fresh) freshUsed = true;
        try {
          await this.#openSocket(fresh);
        } catch (err) {
          const e = err as ClientError;
          lastCode = e.closeCode ?? 1006;
          lastReason = e.message;
          if (this.#fatal || FINAL_CLOSES.has(lastCode) || (lastCode === 4401 && freshUsed)) {
            reopened.reject(this.#fatal ?? e);
            return this.#closeFinal(lastCode, lastReason);
          }
          return tryAgain();
        }
        if (this.#ending) {
          // end() or close() came while this socket opened: it closes at once.
          reopened.reject(new ClientError("closed", "end() was called while reconnecting"));
          this.#reopened = undefined;
          const c = await this.socket.close(1000, "end");
          return this.#closeFinal(c.code, c.reason);
        }
        this.#reconnects++;
        this.#reopened = undefined;
        this.onReconnected();
        reopened.resolve();
        this.#on.open?.(this.ready, this.#reconnects);
      }, delayMs);
    };
    tryAgain();
  }

  #closeFinal(code: number, reason: string): void {
    if (this.#finalised) return;
    this.#finalised = true;
    this.#reopened = undefined;
    this.#final.resolve({ code, reason });
    this.#on.close?.(code, reason);
  }

  /** Whether the socket is open. */
  get isOpen(): boolean {
    return this.socket.isOpen;
  }

  /** Bytes waiting in the send buffer. */
  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  /** Resolves with the close code and reason once the connection closed for good (not on a drop it reconnects after). */
  get closed(): Promise<{ code: number; reason: string }> {
    return this.#final.promise;
  }

  /** Whether a reconnect is pending. */
  get reconnecting(): boolean {
    return this.#reopened !== undefined;
  }

  protected async sendRaw(data: string | Uint8Array): Promise<void> {
    if (this.#fatal) throw this.#fatal;
    if (this.#ending) throw new ClientError("closed", "end() was called");
    // While reconnecting, a send waits for the new socket (at most drainTimeoutMs).
    if (this.#reopened) await withTimeout(this.#reopened, this.o.drainTimeoutMs, "reconnecting");
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
    if (!this.socket.isOpen && !this.#reopened) {
      // Closed already (a drop without reconnect, or one being retried): the close is final now.
      const c = await this.socket.closed;
      this.#closeFinal(c.code, c.reason);
    }
    try {
      return await withTimeout(this.#final.promise, this.#endTimeoutMs, "end");
    } catch (err) {
      await this.socket.close(1000, "end timed out");
      throw err;
    }
  }

  /** Closes at once without `end` (the server flushes as for a disconnect). */
  async close(): Promise<void> {
    this.#ending = true;
    const c = await this.socket.close();
    this.#closeFinal(c.code, c.reason);
  }
}

/** A ClientError of a server `error` reply. */
export function errorOf(m: ErrorMessage): ClientError {
  return new ClientError("server", `${m.code}: ${m.message}`, m.code, m.recoverable);
}
