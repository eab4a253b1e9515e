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
  /**
   * The next (re)connect is scheduled in `delayMs`; `code` is the close (or failed open: 1006)
   * that caused it, `fresh` whether a fresh token is asked for (after 4401).
   */
  reconnecting?: (info: { attempt: number; delayMs: number; code: number; reason: string; fresh: boolean }) => void;
  /**
   * The subscription is over for a reason other than `end()`: a final close, a refusal the `probe`
   * explained, a token that could not be minted, or `maxAttempts` used up.
   */
  failed?: (err: ClientError) => void;
  /**
   * The server no longer holds the seqs delivered (`serverLastSeq` is below `lastSeq`: it
   * restarted without a store): `lastSeq` is reset to 0 and the replay starts at seq 1.
   */
  reset?: () => void;
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
  /**
   * Close codes to reconnect after even though they are final by default (1000, 4400, 4401,
   * 4403, 4404): e.g. `[4404]` to wait for a session that the first ingest will create.
   */
  retryOn?: number[];
  /**
   * The reconnect delay, in ms, per close code: a fixed one (e.g. `{4408: 0, 4404: 5000}`) or a
   * function of the attempt (1, 2 …); codes not listed back off with full jitter.
   */
  closeDelayMs?: Record<number, number | ((attempt: number) => number)>;
  /**
   * After a 4401 close, reconnect once at once with a fresh token (`url(since, true)`); a second
   * 4401 in a row is final. Set by {@linkcode AffectstreamClient} when its token is a provider.
   */
  refreshToken?: boolean;
  /**
   * After a socket that never opened (a browser cannot see the HTTP 401/403/404 refusal of the
   * upgrade): why the server refuses, which ends the subscription, or undefined to retry.
   */
  probe?: () => Promise<string | undefined>;
  /**
   * Before each reconnect with `lastSeq` > 0: the session's last seq on the server (undefined
   * when unknown). Below `lastSeq`, the server renumbered the session: see `on.reset`.
   */
  serverLastSeq?: () => Promise<number | undefined>;
  on?: EventsCallbacks;
}

/** Builds the socket URL of a (re)connect; `fresh`: the last token was refused (4401). */
export type EventsUrl = (since: number, fresh: boolean) => string | Promise<string>;

/** Close codes after which reconnecting cannot help (unless listed in `retryOn`). */
const FINAL_CLOSE_CODES = new Set([1000, 4400, 4401, 4403, 4404]);
const UNAUTHORIZED = 4401;

/** A resuming subscription to `WS /v1/sessions/{sessionId}/events`. */
export class EventsConnection {
  /** seq of the last event delivered. */
  lastSeq: number;
  /** Reconnects so far. */
  reconnects = 0;
  readonly #url: EventsUrl;
  readonly #o: ResolvedConnectionOptions;
  readonly #opts: EventsOptions;
  readonly #on: EventsCallbacks;
  readonly #final: Set<number>;
  #socket?: ManagedSocket;
  #ended = false;
  #done: Promise<void>;
  #resolveDone!: () => void;
  #buffer: SessionEvent[] = [];
  #waiters: (() => void)[] = [];
  #fresh = false;
  #gen = 0;

  private constructor(url: EventsUrl, options: EventsOptions) {
    this.#url = url;
    this.#o = resolveConnectionOptions(options);
    this.#opts = options;
    this.#on = options.on ?? {};
    this.#final = new Set([...FINAL_CLOSE_CODES].filter((c) => !(options.retryOn ?? []).includes(c)));
    this.lastSeq = options.since ?? 0;
    if (!(Number.isInteger(this.lastSeq) && this.lastSeq >= 0)) throw new RangeError("since must be an integer ≥ 0");
    this.#done = new Promise((r) => this.#resolveDone = r);
  }

  /**
   * Subscribes; resolves once the first socket is open (rejects if it cannot open).
   * `url(since, fresh)` builds the socket URL for a given `since`.
   */
  static async open(url: EventsUrl, options: EventsOptions = {}): Promise<EventsConnection> {
    const c = new EventsConnection(url, options);
    await c.#connect(0);
    return c;
  }

  /**
   * Subscribes in the background: the first connect is retried like a reconnect (a page that
   * waits for its server or session), and `on` reports progress. Returns at once.
   */
  static start(url: EventsUrl, options: EventsOptions = {}): EventsConnection {
    const c = new EventsConnection(url, options);
    void c.#retry(1006, "", 0);
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

  /** Whether the subscription is over. */
  get ended(): boolean {
    return this.#ended;
  }

  async #connect(attempt: number): Promise<void> {
    const since = this.lastSeq;
    const url = await this.#url(since, this.#fresh);
    if (this.#ended) return;
    // A browser may deliver the first messages (or the close) before `open` below resolves.
    const gen = ++this.#gen;
    let opened = false;
    let early: [number, string] | undefined;
    const socket = await ManagedSocket.open(url, {
      message: (data) => {
        if (this.#gen === gen && !this.#ended) this.#onMessage(data);
      },
      close: (code, reason) => {
        if (this.#gen !== gen) return;
        if (opened) void this.#onClose(code, reason);
        else early = [code, reason];
      },
    }, this.#o);
    if (this.#ended) {
      await socket.close(1000, "end");
      return;
    }
    opened = true;
    this.#socket = socket;
    this.#fresh = false;
    this.#on.open?.({ since, attempt });
    if (early) void this.#onClose(...early);
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
    if (this.#ended) {
      this.#on.close?.({ code, reason, willReconnect: false });
      return this.#finish();
    }
    const refresh = code === UNAUTHORIZED && !!this.#opts.refreshToken && !this.#fresh;
    const reconnect = (this.#opts.reconnect ?? true) && (refresh || !this.#final.has(code));
    this.#on.close?.({ code, reason, willReconnect: reconnect });
    if (!reconnect) {
      return this.#fail(
        new ClientError(
          "closed",
          `the events socket closed (${code}${reason ? ` ${reason}` : ""})`,
          undefined,
          false,
          code,
        ),
      );
    }
    if (refresh) this.#fresh = true;
    await this.#retry(code, reason, 1);
  }

  /** Reconnects with backoff until a socket opens, the subscription ends or attempts run out. */
  async #retry(code: number, reason: string, firstAttempt: number): Promise<void> {
    const base = this.#opts.backoffMs ?? 250, max = this.#opts.maxBackoffMs ?? 10_000;
    const maxAttempts = this.#opts.maxAttempts ?? Infinity;
    for (let attempt = firstAttempt; attempt <= maxAttempts && !this.#ended; attempt++) {
      const fixed = this.#opts.closeDelayMs?.[code];
      // Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter", 2015).
      const delay = attempt === 0 || this.#fresh
        ? 0
        : typeof fixed === "function"
        ? fixed(attempt)
        : fixed ?? Math.random() * Math.min(max, base * 2 ** (attempt - 1));
      if (attempt > 0) this.#on.reconnecting?.({ attempt, delayMs: delay, code, reason, fresh: this.#fresh });
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      if (this.#ended) break;
      if (this.lastSeq > 0 && attempt > 0 && this.#opts.serverLastSeq) {
        const last = await this.#opts.serverLastSeq().catch(() => undefined);
        if (last !== undefined && last < this.lastSeq) {
          this.lastSeq = 0;
          this.#on.reset?.();
        }
      }
      if (this.#ended) break;
      try {
        await this.#connect(attempt);
        if (attempt > 0) this.reconnects++;
        return;
      } catch (err) {
        if (this.#ended) break;
        const status = (err as { status?: number })?.status;
        if (!(err instanceof ClientError) && (status === 401 || status === 403)) {
          // The token provider's minting was refused (e.g. the login expired): no retry helps.
          return this.#fail(new ClientError("refused", `no token: ${(err as Error).message}`, "unauthorized", false));
        }
        const e = err instanceof ClientError ? err : new ClientError("refused", String((err as Error)?.message ?? err));
        if (this.#fresh && e.kind !== "timeout") {
          // A fresh token was asked for and the socket still did not open, or none could be had.
          return this.#fail(
            new ClientError("refused", `refused with a fresh token: ${e.message}`, "unauthorized", false),
          );
        }
        if (e.kind === "refused" && this.#opts.probe) {
          const why = await this.#opts.probe().catch(() => undefined);
          if (this.#ended) break;
          if (why) return this.#fail(new ClientError("refused", why, undefined, false, e.closeCode));
        }
        this.#on.error?.(e);
        code = e.closeCode ?? 1006;
        reason = e.message;
      }
    }
    if (this.#ended) return this.#finish();
    this.#fail(new ClientError("refused", `gave up after ${maxAttempts} attempts`, undefined, false));
  }

  #fail(err: ClientError): void {
    if (this.#ended) return;
    this.#finish();
    this.#on.failed?.(err);
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
