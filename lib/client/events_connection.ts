/**
 * A session's event stream that survives disconnects: on a drop it reconnects with exponential
 * backoff (with jitter) and `since` = the last seq it delivered, and drops any event at or below
 * that seq, so a caller sees every held event exactly once and in order. A `history_gap` error
 * (events no longer held, or the server's numbering restarted) is passed to `error`; after a
 * restart the numbering starts again, so the last seq is reset and the replay is delivered.
 */
import type { SessionEvent } from "../protocol/events.ts";
import { ClientError } from "./errors.ts";
import { ManagedSocket, resolveConnectionOptions, type ResolvedConnectionOptions } from "./managed_socket.ts";
import type { ConnectionOptions, ErrorMessage } from "./types.ts";

/** Callbacks of an events connection. */
export interface EventsCallbacks {
  /** The socket opened (again, after a reconnect: `attempt` > 0). */
  open?: (info: { since: number; attempt: number }) => void;
  /** One event, in seq order, never twice. */
  event?: (event: SessionEvent) => void;
  /** A server error message (e.g. `history_gap`) or a failed reconnect. */
  error?: (err: ClientError) => void;
  /** The socket closed; `willReconnect` says whether it will try again. */
  close?: (info: { code: number; reason: string; willReconnect: boolean }) => void;
}

/** Options of {@linkcode EventsConnection.open}. */
export interface EventsOptions extends ConnectionOptions {
  /** Deliver events after this seq. Default 0 (everything held). */
  since?: number;
  /** Reconnect after a drop. Default true. */
  reconnect?: boolean;
  /** First backoff delay, in ms; doubles per failed attempt. Default 250. */
  backoffMs?: number;
  /** Longest backoff delay, in ms. Default 10000. */
  maxBackoffMs?: number;
  /** Attempts in a row before giving up (then `close` with willReconnect false). Default Infinity. */
  maxAttempts?: number;
  on?: EventsCallbacks;
}

/** Close codes after which reconnecting cannot help. */
const FINAL_CLOSE_CODES = new Set([1000, 4400, 4401, 4403, 4404]);

/** A resuming subscription to `WS /v1/sessions/{sessionId}/events`. */
export class EventsConnection {
  /** seq of the last event delivered. */
  lastSeq: number;
  /** Reconnects so far. */
  reconnects = 0;
  readonly #url: (since: number) => string;
  readonly #o: ResolvedConnectionOptions;
  readonly #opts: EventsOptions;
  readonly #on: EventsCallbacks;
  #socket?: ManagedSocket;
  #ended = false;
  #done: Promise<void>;
  #resolveDone!: () => void;
  #buffer: SessionEvent[] = [];
  #waiters: (() => void)[] = [];

  private constructor(url: (since: number) => string, options: EventsOptions) {
    this.#url = url;
    this.#o = resolveConnectionOptions(options);
    this.#opts = options;
    this.#on = options.on ?? {};
    this.lastSeq = options.since ?? 0;
    if (!(Number.isInteger(this.lastSeq) && this.lastSeq >= 0)) throw new RangeError("since must be an integer ≥ 0");
    this.#done = new Promise((r) => this.#resolveDone = r);
  }

  /**
   * Subscribes; resolves once the first socket is open (rejects if it cannot open).
   * `url(since)` builds the socket URL for a given `since`.
   */
  static async open(url: (since: number) => string, options: EventsOptions = {}): Promise<EventsConnection> {
    const c = new EventsConnection(url, options);
    await c.#connect(0);
    return c;
  }

  /** Resolves when the subscription is over (end(), a final close, or reconnects exhausted). */
  get done(): Promise<void> {
    return this.#done;
  }

  /** Whether a socket is open now. */
  get isOpen(): boolean {
    return this.#socket?.isOpen ?? false;
  }

  async #connect(attempt: number): Promise<void> {
    const since = this.lastSeq;
    const socket = await ManagedSocket.open(this.#url(since), {
      message: (data) => this.#onMessage(data),
      close: (code, reason) => void this.#onClose(code, reason),
    }, this.#o);
    this.#socket = socket;
    this.#on.open?.({ since, attempt });
  }

  #onMessage(data: string | ArrayBuffer): void {
    if (typeof data !== "string") return;
    let m: SessionEvent | ErrorMessage & { seq?: undefined };
    try {
      m = JSON.parse(data);
    } catch {
      return;
    }
    if (m.seq === undefined) {
      // A socket message, not an event: history_gap, slow_subscriber, session_not_found…
      const e = m as ErrorMessage;
      if (e.type === "error") {
        if (e.code === "history_gap" && /ahead|restarted/.test(e.message)) this.lastSeq = 0;
        this.#on.error?.(new ClientError("server", `${e.code}: ${e.message}`, e.code, e.recoverable));
      }
      return;
    }
    const ev = m as SessionEvent;
    if (ev.seq <= this.lastSeq) return; // replayed after a reconnect: already delivered
    this.lastSeq = ev.seq;
    this.#on.event?.(ev);
    this.#buffer.push(ev);
    if (this.#buffer.length > 10_000) this.#buffer.shift(); // iterator not read: bounded
    for (const w of this.#waiters.splice(0)) w();
  }

  async #onClose(code: number, reason: string): Promise<void> {
    this.#socket = undefined;
    const reconnect = !this.#ended && (this.#opts.reconnect ?? true) && !FINAL_CLOSE_CODES.has(code);
    this.#on.close?.({ code, reason, willReconnect: reconnect });
    if (!reconnect) return this.#finish();
    const base = this.#opts.backoffMs ?? 250, max = this.#opts.maxBackoffMs ?? 10_000;
    const maxAttempts = this.#opts.maxAttempts ?? Infinity;
    for (let attempt = 1; attempt <= maxAttempts && !this.#ended; attempt++) {
      // Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter", 2015).
      const delay = Math.random() * Math.min(max, base * 2 ** (attempt - 1));
      await new Promise((r) => setTimeout(r, delay));
      if (this.#ended) break;
      try {
        await this.#connect(attempt);
        this.reconnects++;
        return;
      } catch (err) {
        this.#on.error?.(err instanceof ClientError ? err : new ClientError("refused", String(err)));
      }
    }
    this.#finish();
  }

  #finish(): void {
    this.#ended = true;
    this.#resolveDone();
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Events as an async iterator (ends when the subscription does). */
  async *[Symbol.asyncIterator](): AsyncGenerator<SessionEvent> {
    while (true) {
      while (this.#buffer.length) yield this.#buffer.shift()!;
      if (this.#ended) return;
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  /** Stops reconnecting and closes; resolves once closed. */
  async end(): Promise<void> {
    this.#ended = true;
    await this.#socket?.close(1000, "end");
    this.#finish();
  }
}
