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
/** Close codes after which reconnecting cannot help: bad request, too big, policy. */
const FATAL_CLOSE = new Set([4400, 1008, 1009]);

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
    this.stats = { audioFramesDropped: 0, faceSent: 0, faceDropped: 0, transcriptsSent: 0 };
  }

  /** Media time in ms: 16 kHz samples sent / 16, or wall time since `ready` without audio. */
  get mediaMs() {
    if (this.options.audio) return this.samplesSent / SAMPLES_PER_MS;
    return this.readyAt ? performance.now() - this.readyAt : 0;
  }

  /** Opens the socket and sends `hello`. */
  connect() {
    const { origin, sessionId, participantId, name, audio } = this.options;
    const url = `${origin}/v1/sessions/${encodeURIComponent(sessionId)}/participants/${
      encodeURIComponent(participantId)
    }/ingest`;
    this.#state(this.attempt ? "reconnecting" : "connecting", `connecting as ${participantId}`);
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = () => {
      const hello = { type: "hello", name };
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
        this.epoch++;
        this.samplesSent = 0;
        this.readyAt = performance.now();
        this.attempt = 0;
        this.#state("ready", `streaming as ${participantId}`);
      } else if (msg.type === "error") {
        this.options.onError?.(msg);
      }
    };
    ws.onclose = (c) => {
      if (this.ws !== ws) return;
      this.ready = false;
      this.ws = undefined;
      if (this.ending) {
        this.#state("ended", c.code === 1000 ? "left the session" : `closed (${c.code})`);
        return;
      }
      if (FATAL_CLOSE.has(c.code)) {
        this.#state("failed", `server closed the stream: ${c.code} ${c.reason}`);
        return;
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
    if (!this.ready || this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify({ type: "transcript", ...segment }));
    this.stats.transcriptsSent++;
    return true;
  }

  /** Sends `end`; the server flushes the last utterance and closes. */
  end() {
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
