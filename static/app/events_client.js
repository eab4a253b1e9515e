/**
 * A session's events socket that survives drops: a thin adapter over the typed client's
 * EventsConnection (static/vendor/affectstream_client.js, the browser bundle of lib/client),
 * which remembers the last seq it delivered and reconnects with `since=<that seq>`, at once
 * after a 4408 (slow subscriber) close and with exponential backoff after other drops, so the
 * model sees every held event exactly once. What is the page's own: which closes are worth
 * retrying (a session not found yet is: the first ingest creates it) and the state it shows.
 */
import { AffectstreamClient } from "../vendor/affectstream_client.js";

/**
 * Close codes after which retrying cannot help (lib/protocol/errors.ts): bad request, forbidden.
 * 4401 (unauthorized, e.g. the token expired) is retried once with a fresh
 * token when the page can mint one.
 */
const FATAL_CLOSE = new Map([
  [4400, "bad request"],
  [4403, "forbidden: this token does not give access to the session"],
]);
/**
 * The session does not exist (yet, or any more): retried slowly, because the first authorised
 * ingest creates it, e.g. this page's own stream rejoining a restarted server that has no store.
 */
const SESSION_NOT_FOUND = 4404;
/** The server's slow-subscriber close code. */
const SLOW_SUBSCRIBER = 4408;
/** The server's limit-reached close code (too many subscribers): retry, but slowly. */
const LIMIT_REACHED = 4429;
/** First and largest reconnect delay, ms. */
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10_000;

/**
 * @typedef {object} EventsClientOptions
 * @property {string} origin ws:// or wss:// origin of the server
 * @property {string} sessionId
 * @property {number} [since] last seq already seen; default 0 (replay everything held)
 * @property {(event: object) => void} onEvent every event with a seq, in order, once
 * @property {(state: {state: "connecting"|"open"|"reconnecting"|"failed"|"closed",
 *   detail: string, since: number}) => void} onState connection state changes, for display
 * @property {(error: {code: string, message: string, recoverable: boolean}) => void} [onError]
 *   socket-level errors (history_gap, slow_subscriber, bad_message …), which carry no seq
 * @property {() => void} [onReset] the server no longer knows the seqs seen (it restarted and the
 *   session began again): everything held so far is stale, and the replay restarts at seq 1
 * @property {(fresh: boolean) => Promise<string | undefined>} [token] the token for `?token=`;
 *   fresh: the last one was refused (4401), mint another if possible (else return undefined)
 * @property {() => Promise<number | undefined>} [serverLastSeq] the session's lastSeq on the server
 *   (GET /v1/sessions, admin only); undefined when unknown, -1 when the server no longer has it
 * @property {() => Promise<string | undefined>} [probe] after a socket that never opened: why the
 *   server refuses (401/403/404 before the upgrade, which a browser cannot see), or undefined
 */

/** Subscribes to a session's events, resuming after drops. */
export class EventsClient {
  /** @param {EventsClientOptions} options */
  constructor(options) {
    this.options = options;
    this.closed = false;
    /** The EventsConnection of lib/client, once connect() was called. */
    this.conn = undefined;
    this.since = options.since ?? 0;
  }

  /** seq of the last event delivered. */
  get lastSeq() {
    return this.conn?.lastSeq ?? this.since;
  }

  /** Connects, and keeps reconnecting until close() or a final refusal. */
  connect() {
    if (this.closed || this.conn) return;
    const tokenOf = this.options.token;
    const client = new AffectstreamClient({
      url: this.options.origin.replace(/^ws/, "http"),
      token: tokenOf ? (fresh) => tokenOf(fresh) : undefined,
    });
    this.#state("connecting", `connecting with since=${this.since}`);
    this.conn = client.subscribe(this.options.sessionId, {
      since: this.since,
      // 1000: the server closed the session's stream (e.g. it was deleted): it may come back.
      retryOn: [1000, SESSION_NOT_FOUND],
      refreshToken: Boolean(tokenOf),
      backoffMs: BACKOFF_MIN_MS,
      maxBackoffMs: BACKOFF_MAX_MS,
      closeDelayMs: {
        [SLOW_SUBSCRIBER]: 0,
        [SESSION_NOT_FOUND]: BACKOFF_MAX_MS / 2,
        [LIMIT_REACHED]: (attempt) => 4 * Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt),
      },
      probe: this.options.probe,
      serverLastSeq: this.options.serverLastSeq,
      on: {
        open: () => this.#state("open", `live (resumed after seq ${this.lastSeq})`),
        event: (e) => this.options.onEvent(e),
        error: (e) => {
          if (e.kind !== "server") return; // a failed reconnect: reported by `reconnecting`
          const prefix = `${e.code}: `;
          const message = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
          this.options.onError?.({ code: e.code, message, recoverable: e.recoverable });
        },
        reset: () => this.options.onReset?.(),
        reconnecting: ({ code, delayMs, fresh }) => {
          if (fresh) return this.#state("reconnecting", `the token expired (4401); reconnecting with a fresh one`);
          const why = code === SLOW_SUBSCRIBER
            ? "fell behind (4408)"
            : code === LIMIT_REACHED
            ? "too many subscribers (4429)"
            : code === SESSION_NOT_FOUND
            ? "the server does not know this session (4404)"
            : `connection lost (${code})`;
          this.#state(
            "reconnecting",
            `${why}; reconnecting with since=${this.lastSeq} in ${(delayMs / 1000).toFixed(1)} s`,
          );
        },
        failed: (e) => {
          if (this.closed) return;
          if (e.closeCode !== undefined && FATAL_CLOSE.has(e.closeCode) && e.kind === "closed") {
            return this.#state("failed", `events socket refused: ${e.closeCode} ${FATAL_CLOSE.get(e.closeCode)}`);
          }
          if (e.code === "unauthorized" && /^no token/.test(e.message)) {
            return this.#state("failed", `no token for the events socket: ${e.message.slice(10)}; log in again`);
          }
          if (e.code === "unauthorized" || e.closeCode === 4401) {
            return this.#state("failed", "the events token expired or is no longer valid; ask for a new link");
          }
          this.#state("failed", `events socket refused: ${e.message}`);
        },
      },
    });
  }

  /** Closes for good. */
  close() {
    this.closed = true;
    void this.conn?.end();
    this.#state("closed", "closed");
  }

  #state(state, detail) {
    this.options.onState?.({ state, detail, since: this.lastSeq });
  }
}
