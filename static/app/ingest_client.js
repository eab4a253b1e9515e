/**
 * A participant's ingest stream: a thin adapter over the typed client's IngestConnection
 * (static/vendor/affectstream_client.js, the browser bundle of lib/client), which opens the
 * socket, sends `hello`, waits for `ready`, sends media and ends or withdraws. What is the page's
 * own: live media drops rather than piles up (the client's `trySend…` drops while the send
 * buffer is over a bound, and the drop is counted here), the media clock (16 kHz samples sent /
 * 16, because only samples actually sent advance the server's clock), and rejoining after drops
 * with a fresh connection.
 */
import { AffectstreamClient } from "../vendor/affectstream_client.js";

/** Send-buffer bytes above which live media is dropped (about 8 s of 16 kHz PCM). */
const MAX_BUFFERED_BYTES = 256 * 1024;
/** Samples per ms at the wire sample rate. */
const SAMPLES_PER_MS = 16;
/**
 * Close codes after which rejoining cannot help: bad request, too big, policy, forbidden or
 * consent missing, session not found. 4401 (token expired or invalid) is retried once with a
 * fresh token when the page can mint one.
 */
const FATAL_CLOSE = new Map([
  [4400, "bad request"],
  [1008, "policy violation"],
  [1009, "message too big"],
  [4403, "refused: no consent, or this token may not stream here"],
  [4404, "session not found"],
]);
const UNAUTHORIZED = 4401;
/** After withdrawing consent, the page closes the socket itself if the server has not within this, ms. */
const WITHDRAW_CLOSE_MS = 3000;
/** Longest wait for the socket to open and `ready`, ms. */
const OPEN_TIMEOUT_MS = 10_000;

/**
 * @typedef {object} IngestClientOptions
 * @property {string} origin ws:// origin
 * @property {string} sessionId
 * @property {string} participantId
 * @property {string} name display name
 * @property {boolean} audio whether PCM will be sent (hello announces 16 kHz mono s16le)
 * @property {(state: {state: "connecting"|"ready"|"reconnecting"|"failed"|"ended", detail: string}) => void} onState
 * @property {(error: {code: string, message: string, recoverable: boolean}) => void} onError
 *   `error` replies from the server
 * @property {boolean} [consent] whether the participant agreed to be analysed: hello then carries
 *   `consent: true` (without it, or a token minted with consent, the server refuses: consent_required)
 * @property {(fresh: boolean) => Promise<string | undefined>} [token] the ingest token for `?token=`;
 *   fresh: the last one was refused (4401), mint another if possible
 * @property {() => Promise<string | undefined>} [probe] after a socket that never opened: why the
 *   server refuses (its 401/403 before the upgrade is invisible to a browser), or undefined
 * @property {string} [readyDetail] what the "ready" state says (e.g. which devices are streamed)
 */

/** One participant's upstream connection. */
export class IngestClient {
  /** @param {IngestClientOptions} options */
  constructor(options) {
    this.options = options;
    /** The open IngestConnection of lib/client, if any. */
    this.conn = undefined;
    this.ready = false;
    this.ending = false;
    this.attempt = 0;
    /** 16 kHz samples sent since the last `ready`: the media clock. */
    this.samplesSent = 0;
    /** Wall time of `ready`, for the clock of participants without audio. */
    this.readyAt = 0;
    /** Bumped on every `ready`: frames measured on an older connection's clock are not sent. */
    this.epoch = 0;
    this.freshToken = false;
    /** Set once consent is withdrawn: nothing more is sent, and the page never rejoins by itself. */
    this.withdrawn = false;
    this.stats = { audioFramesDropped: 0, faceSent: 0, faceDropped: 0, transcriptsSent: 0 };
  }

  /** Media time in ms: 16 kHz samples sent / 16, or wall time since `ready` without audio. */
  get mediaMs() {
    if (this.options.audio) return this.samplesSent / SAMPLES_PER_MS;
    return this.readyAt ? performance.now() - this.readyAt : 0;
  }

  /** Opens the socket, sends `hello` and waits for `ready`. */
  async connect() {
    const { origin, sessionId, participantId, name, audio } = this.options;
    if (this.ending) return;
    let token;
    try {
      token = await this.options.token?.(this.freshToken);
    } catch (err) {
      // Minting refused (the login expired: 401) is final; the server unreachable is retried.
      if (this.ending) return;
      if (err?.status === 401 || err?.status === 403) {
        this.#state("failed", `no token for the stream: ${err.message}; log in again`);
        return;
      }
      this.#retry(`cannot get a token (${err?.message ?? err})`);
      return;
    }
    if (this.ending) return;
    if (this.freshToken && !token) {
      this.#state("failed", "the stream's token expired or is no longer valid; ask for a new link");
      return;
    }
    this.#state(this.attempt ? "reconnecting" : "connecting", `connecting as ${participantId}`);
    const client = new AffectstreamClient({ url: origin.replace(/^ws/, "http"), token });
    /** The server said it ended this stream (`stream_ended`) without the page asking. */
    let serverEnded = false;
    let closed;
    let conn;
    try {
      conn = await client.ingest(sessionId, participantId, {
        name,
        consent: this.options.consent ? true : undefined,
        audio: audio ? { sampleRate: 16000, encoding: "pcm_s16le", channels: 1 } : undefined,
        highWaterMark: MAX_BUFFERED_BYTES,
        openTimeoutMs: OPEN_TIMEOUT_MS,
        on: {
          error: (e) => {
            // The server ended this stream (e.g. flushing participants at shutdown) while media was
            // on the way: the close that follows (4400) is no fault of the page, so it rejoins.
            if (e.code === "stream_ended" && !this.ending) serverEnded = true;
            const prefix = `${e.code}: `;
            const message = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
            this.options.onError?.({ code: e.code, message, recoverable: e.recoverable });
          },
          close: (code, reason) => {
            closed = { code, reason };
            if (conn && this.conn === conn) this.#onClose(code, reason, true, serverEnded);
          },
        },
      });
    } catch (err) {
      // Refused before `ready` (consent_required, 4401, 4404 …) or never opened.
      if (closed) this.#onClose(closed.code, closed.reason, true, serverEnded);
      else this.#onClose(err?.closeCode ?? 1006, err?.message ?? "", false, false);
      return;
    }
    if (this.ending) {
      void conn.close();
      return;
    }
    this.conn = conn;
    // The server starts a fresh stream (media clock 0) on every join.
    this.freshToken = false;
    this.ready = true;
    this.epoch++;
    this.samplesSent = 0;
    this.readyAt = performance.now();
    this.attempt = 0;
    this.#state("ready", this.options.readyDetail ?? `streaming as ${participantId}`);
    if (closed) this.#onClose(closed.code, closed.reason, true, serverEnded);
  }

  async #onClose(code, reason, opened, serverEnded) {
    this.ready = false;
    this.conn = undefined;
    if (this.withdrawn) {
      this.#state("ended", "consent withdrawn: nothing more of yours is analysed");
      return;
    }
    if (this.ending) {
      this.#state("ended", code === 1000 ? "left the session" : `closed (${code})`);
      return;
    }
    if (FATAL_CLOSE.has(code) && !serverEnded) {
      this.#state("failed", `server closed the stream: ${code} ${reason || FATAL_CLOSE.get(code)}`);
      return;
    }
    if (code === UNAUTHORIZED && !this.freshToken) {
      this.freshToken = true;
      this.connect();
      return;
    }
    if (!opened && this.options.probe) {
      const refused = await this.options.probe();
      if (this.ending) return;
      if (refused) {
        this.#state("failed", `the server refuses the stream: ${refused}`);
        return;
      }
    }
    // 4409: our previous socket is still registered; 4429: full. Both may clear: retry.
    this.#retry(`stream lost (${code}${reason && opened ? ` ${reason}` : ""})`);
  }

  #retry(why) {
    const delay = Math.min(10_000, 1000 * 2 ** this.attempt++);
    this.#state("reconnecting", `${why}; rejoining in ${delay / 1000} s`);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  /** Sends one frame of 16 kHz mono Int16 PCM; returns false when dropped. */
  sendAudio(pcm) {
    if (!this.#canSendMedia() || !this.conn.trySendAudio(pcm)) {
      if (this.ready) this.stats.audioFramesDropped++;
      return false;
    }
    this.samplesSent += pcm.byteLength / 2;
    return true;
  }

  /** Sends one face message (static/face/face_tracker.js output); returns false when dropped. */
  sendFace(frame) {
    if (!this.#canSendMedia() || !this.conn.trySendFace(frame)) {
      if (this.ready) this.stats.faceDropped++;
      return false;
    }
    this.stats.faceSent++;
    return true;
  }

  /** Sends a transcript segment; returns false when not connected. */
  sendTranscript(segment) {
    // A transcript is small and not live media: it waits for the buffer rather than dropping.
    if (!this.#canSendMedia()) return false;
    this.conn.sendTranscript(segment).catch(() => {});
    this.stats.transcriptsSent++;
    return true;
  }

  /**
   * Withdraws consent mid-call: `{"type":"consent","consent":false}`. The server stops analysing
   * at once (the open utterance is discarded), announces participant.left with reason
   * "consent_withdrawn" and closes; the page sends nothing more and does not rejoin.
   */
  withdrawConsent() {
    this.withdrawn = true;
    this.ending = true;
    clearTimeout(this.timer);
    const conn = this.conn;
    if (conn?.isOpen) {
      // The server closes with 1000; should it not, the page closes the socket itself.
      conn.withdrawConsent({ closeAfterMs: WITHDRAW_CLOSE_MS }).catch(() => conn.close());
    } else this.#state("ended", "consent withdrawn: nothing more of yours is analysed");
  }

  /** Sends `end`; the server flushes the last utterance and closes. */
  end() {
    if (this.withdrawn) return;
    this.ending = true;
    clearTimeout(this.timer);
    if (this.conn?.isOpen) this.conn.end().catch(() => {});
    else this.#state("ended", "left the session");
  }

  #canSendMedia() {
    return this.ready && !this.ending && Boolean(this.conn?.isOpen);
  }

  #state(state, detail) {
    this.options.onState?.({ state, detail });
  }
}
