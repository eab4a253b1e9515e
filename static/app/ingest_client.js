/**
 * A participant's ingest socket: sends `hello`, waits for `ready`, then carries PCM frames,
 * face and transcript messages; `end()` flushes and closes. Live media drops rather than piles
 * up: audio and face messages are discarded while the socket's send buffer is over a bound, and
 * the drop is counted. The media clock (lib/session: 16 kHz samples sent / 16) is kept here,
 * because only samples actually sent advance the server's clock.
 */

/** Send-buffer bytes above which live media is dropped (about 8 s of 16 kHz PCM). */
const MAX_BUFFERED_BYTES = 256 * 1024;
/** Samples per ms at the wire sample rate. */
const SAMPLES_PER_MS = 16;
/**
 * Close codes after which reconnecting cannot help: bad request, too big, policy, forbidden or
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
    this.ws = undefined;
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
    /** The server said it ended this stream (`stream_ended`) without the page asking. */
    this.serverEnded = false;
    /** Set once consent is withdrawn: nothing more is sent, and the page never rejoins by itself. */
    this.withdrawn = false;
    this.stats = { audioFramesDropped: 0, faceSent: 0, faceDropped: 0, transcriptsSent: 0 };
  }

  /** Media time in ms: 16 kHz samples sent / 16, or wall time since `ready` without audio. */
  get mediaMs() {
    if (this.options.audio) return this.samplesSent / SAMPLES_PER_MS;
    return this.readyAt ? performance.now() - this.readyAt : 0;
  }

  /** Opens the socket and sends `hello`. */
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
      const delay = Math.min(10_000, 1000 * 2 ** this.attempt++);
      this.#state("reconnecting", `cannot get a token (${err?.message ?? err}); retrying in ${delay / 1000} s`);
      this.timer = setTimeout(() => this.connect(), delay);
      return;
    }
    if (this.ending) return;
    if (this.freshToken && !token) {
      this.#state("failed", "the stream's token expired or is no longer valid; ask for a new link");
      return;
    }
    const url = `${origin}/v1/sessions/${encodeURIComponent(sessionId)}/participants/${
      encodeURIComponent(participantId)
    }/ingest${token ? `?token=${encodeURIComponent(token)}` : ""}`;
    this.#state(this.attempt ? "reconnecting" : "connecting", `connecting as ${participantId}`);
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.freshToken = false;
      const hello = { type: "hello", name };
      if (this.options.consent) hello.consent = true;
      if (audio) hello.audio = { sampleRate: 16000, encoding: "pcm_s16le", channels: 1 };
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = (m) => {
      if (typeof m.data !== "string") return;
      let msg;
      try {
        msg = JSON.parse(m.data);
      } catch {
        return;
      }
      if (msg.type === "ready") {
        // The server starts a fresh stream (media clock 0) on every join.
        this.ready = true;
        this.serverEnded = false;
        this.epoch++;
        this.samplesSent = 0;
        this.readyAt = performance.now();
        this.attempt = 0;
        this.#state("ready", this.options.readyDetail ?? `streaming as ${participantId}`);
      } else if (msg.type === "error") {
        // The server ended this stream (e.g. flushing participants at shutdown) while media was
        // on the way: the close that follows (4400) is no fault of the page, so it rejoins.
        if (msg.code === "stream_ended" && !this.ending) this.serverEnded = true;
        this.options.onError?.(msg);
      }
    };
    ws.onclose = async (c) => {
      if (this.ws !== ws) return;
      this.ready = false;
      this.ws = undefined;
      if (this.withdrawn) {
        this.#state("ended", "consent withdrawn: nothing more of yours is analysed");
        return;
      }
      if (this.ending) {
        this.#state("ended", c.code === 1000 ? "left the session" : `closed (${c.code})`);
        return;
      }
      const serverEnded = this.serverEnded;
      this.serverEnded = false;
      if (FATAL_CLOSE.has(c.code) && !serverEnded) {
        this.#state("failed", `server closed the stream: ${c.code} ${c.reason || FATAL_CLOSE.get(c.code)}`);
        return;
      }
      if (c.code === UNAUTHORIZED && !this.freshToken) {
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
      const delay = Math.min(10_000, 1000 * 2 ** this.attempt++);
      this.#state(
        "reconnecting",
        `stream lost (${c.code}${c.reason ? ` ${c.reason}` : ""}); rejoining in ${delay / 1000} s`,
      );
      this.timer = setTimeout(() => this.connect(), delay);
    };
  }

  /** Sends one frame of 16 kHz mono Int16 PCM; returns false when dropped. */
  sendAudio(pcm) {
    if (!this.#canSendMedia()) {
      if (this.ready) this.stats.audioFramesDropped++;
      return false;
    }
    this.ws.send(pcm);
    this.samplesSent += pcm.byteLength / 2;
    return true;
  }

  /** Sends one face message (static/face/face_tracker.js output); returns false when dropped. */
  sendFace(frame) {
    if (!this.#canSendMedia()) {
      if (this.ready) this.stats.faceDropped++;
      return false;
    }
    this.ws.send(JSON.stringify(frame));
    this.stats.faceSent++;
    return true;
  }

  /** Sends a transcript segment; returns false when not connected. */
  sendTranscript(segment) {
    if (!this.ready || this.ending || this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify({ type: "transcript", ...segment }));
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
    const ws = this.ws;
    if (ws?.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ type: "consent", consent: false }));
      // The server closes with 1000; should it not, the page closes the socket itself.
      setTimeout(() => ws.readyState === WebSocket.OPEN && ws.close(1000, "consent withdrawn"), WITHDRAW_CLOSE_MS);
    } else this.#state("ended", "consent withdrawn: nothing more of yours is analysed");
  }

  /** Sends `end`; the server flushes the last utterance and closes. */
  end() {
    if (this.withdrawn) return;
    this.ending = true;
    clearTimeout(this.timer);
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: "end" }));
    else this.#state("ended", "left the session");
  }

  #canSendMedia() {
    return this.ready && !this.ending && this.ws?.readyState === WebSocket.OPEN &&
      this.ws.bufferedAmount < MAX_BUFFERED_BYTES;
  }

  #state(state, detail) {
    this.options.onState?.({ state, detail });
  }
}
