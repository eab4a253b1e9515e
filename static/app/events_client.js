/**
 * A session's events socket that survives drops: it remembers the last seq it delivered and
 * reconnects with `since=<that seq>`, immediately after a 4408 (slow subscriber) close and with
 * exponential backoff after other drops, so the model sees every held event exactly once.
 */

/** Close codes after which retrying cannot help (lib/protocol/errors.ts CloseCode.badRequest). */
const FATAL_CLOSE = new Set([4400]);
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
  }

  /** Opens the socket (again). */
  async connect() {
    if (this.closed) return;
    clearTimeout(this.timer);
    if (this.attempt > 0 && this.lastSeq > 0) await this.#checkServerHistory();
    if (this.closed) return;
    const { origin, sessionId } = this.options;
    const url = `${origin}/v1/sessions/${encodeURIComponent(sessionId)}/events?since=${this.lastSeq}`;
    this.#state(this.attempt === 0 ? "connecting" : "reconnecting", `connecting with since=${this.lastSeq}`);
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
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
    ws.onclose = (c) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      if (this.closed) return;
      if (FATAL_CLOSE.has(c.code)) {
        this.#state("failed", `events socket refused (${c.code} ${c.reason || "bad request"})`);
        return;
      }
      const delay = c.code === SLOW_SUBSCRIBER
        ? 0
        : Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt) * (c.code === LIMIT_REACHED ? 4 : 1);
      this.attempt++;
      const why = c.code === SLOW_SUBSCRIBER
        ? "fell behind (4408)"
        : c.code === LIMIT_REACHED
        ? "too many subscribers (4429)"
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
   * A restarted server numbers a session's events from 1 again; resuming with an old since would
   * silently skip them. GET /v1/sessions tells the session's last seq.
   */
  async #checkServerHistory() {
    try {
      const http = this.options.origin.replace(/^ws/, "http");
      const { sessions } = await (await fetch(`${http}/v1/sessions`, { cache: "no-store" })).json();
      const s = sessions.find((x) => x.id === this.options.sessionId);
      if (!s || s.lastSeq < this.lastSeq) {
        this.lastSeq = 0;
        this.options.onReset?.();
      }
    } catch {
      // Server still down: the socket attempt fails too and backs off.
    }
  }

  #state(state, detail) {
    this.options.onState?.({ state, detail, since: this.lastSeq });
  }
}
