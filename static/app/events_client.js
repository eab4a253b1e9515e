/**
 * A session's events socket that survives drops: it remembers the last seq it delivered and
 * reconnects with `since=<that seq>`, immediately after a 4408 (slow subscriber) close and with
 * exponential backoff after other drops, so the model sees every held event exactly once.
 */

/**
 * Close codes after which retrying cannot help (lib/protocol/errors.ts): bad request, forbidden.
 * 4401 (unauthorized, e.g. the token expired) is retried once with a fresh
 * token when the page can mint one.
 */
const FATAL_CLOSE = new Map([
  [4400, "bad request"],
  [4403, "forbidden: this token does not give access to the session"],
]);
const UNAUTHORIZED = 4401;
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
    this.lastSeq = options.since ?? 0;
    this.ws = undefined;
    this.closed = false;
    this.attempt = 0;
    this.timer = undefined;
    this.freshToken = false;
  }

  /** Opens the socket (again). */
  async connect() {
    if (this.closed) return;
    clearTimeout(this.timer);
    if (this.attempt > 0 && this.lastSeq > 0) await this.#checkServerHistory();
    if (this.closed) return;
    const { origin, sessionId } = this.options;
    let token;
    try {
      token = await this.options.token?.(this.freshToken);
    } catch (err) {
      // Minting refused (the login expired: 401) is final; the server unreachable is retried.
      if (this.closed) return;
      if (err?.status === 401 || err?.status === 403) {
        this.#state("failed", `no token for the events socket: ${err.message}; log in again`);
        return;
      }
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt++);
      this.#state(
        "reconnecting",
        `cannot get a token (${err?.message ?? err}); retrying in ${(delay / 1000).toFixed(1)} s`,
      );
      this.timer = setTimeout(() => this.connect(), delay);
      return;
    }
    if (this.closed) return;
    if (this.freshToken && !token) {
      this.#state("failed", "the events token expired or is no longer valid; ask for a new link");
      return;
    }
    const auth = token ? `&token=${encodeURIComponent(token)}` : "";
    const url = `${origin}/v1/sessions/${encodeURIComponent(sessionId)}/events?since=${this.lastSeq}${auth}`;
    this.#state(this.attempt === 0 ? "connecting" : "reconnecting", `connecting with since=${this.lastSeq}`);
    const ws = new WebSocket(url);
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.freshToken = false;
      this.attempt = 0;
      this.#state("open", `live (resumed after seq ${this.lastSeq})`);
    };
    ws.onmessage = (m) => {
      let e;
      try {
        e = JSON.parse(m.data);
      } catch {
        return;
      }
      if (typeof e.seq === "number") {
        if (e.seq <= this.lastSeq) return;
        this.lastSeq = e.seq;
        this.options.onEvent(e);
      } else if (e.type === "error") {
        this.options.onError?.(e);
      }
    };
    ws.onclose = async (c) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      if (this.closed) return;
      if (FATAL_CLOSE.has(c.code)) {
        this.#state("failed", `events socket refused: ${c.code} ${c.reason || FATAL_CLOSE.get(c.code)}`);
        return;
      }
      if (c.code === UNAUTHORIZED && !this.freshToken) {
        this.freshToken = true;
        this.connect();
        return;
      }
      if (!opened && this.options.probe) {
        const refused = await this.options.probe();
        if (this.closed) return;
        if (refused) {
          this.#state("failed", `events socket refused: ${refused}`);
          return;
        }
      }
      const delay = c.code === SLOW_SUBSCRIBER
        ? 0
        : c.code === SESSION_NOT_FOUND
        ? BACKOFF_MAX_MS / 2
        : Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt) * (c.code === LIMIT_REACHED ? 4 : 1);
      this.attempt++;
      const why = c.code === SLOW_SUBSCRIBER
        ? "fell behind (4408)"
        : c.code === LIMIT_REACHED
        ? "too many subscribers (4429)"
        : c.code === SESSION_NOT_FOUND
        ? "the server does not know this session (4404)"
        : `connection lost (${c.code})`;
      this.#state("reconnecting", `${why}; reconnecting with since=${this.lastSeq} in ${(delay / 1000).toFixed(1)} s`);
      this.timer = setTimeout(() => this.connect(), delay);
    };
  }

  /** Closes for good. */
  close() {
    this.closed = true;
    clearTimeout(this.timer);
    this.ws?.close(1000, "bye");
    this.#state("closed", "closed");
  }

  /**
   * A restarted server without a store numbers a session's events from 1 again; resuming with an
   * old since would silently skip them. GET /v1/sessions (admin) tells the session's last seq.
   */
  async #checkServerHistory() {
    let last;
    try {
      last = await this.options.serverLastSeq?.();
    } catch {
      return; // Server still down: the socket attempt fails too and backs off.
    }
    if (last !== undefined && last < this.lastSeq) {
      this.lastSeq = 0;
      this.options.onReset?.();
    }
  }

  #state(state, detail) {
    this.options.onState?.({ state, detail, since: this.lastSeq });
  }
}
