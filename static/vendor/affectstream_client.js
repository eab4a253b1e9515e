// lib/client/errors.ts
var ClientError = class extends Error {
  kind;
  code;
  recoverable;
  closeCode;
  constructor(kind, message, code, recoverable = kind === "server", closeCode) {
    super(message), this.kind = kind, this.code = code, this.recoverable = recoverable, this.closeCode = closeCode;
    this.name = "ClientError";
  }
};

// lib/client/managed_socket.ts
var DRAIN_POLL_MS = 10;
function resolveConnectionOptions(o = {}) {
  const r = {
    openTimeoutMs: o.openTimeoutMs ?? 1e4,
    highWaterMark: o.highWaterMark ?? 1024 * 1024,
    drainTimeoutMs: o.drainTimeoutMs ?? 1e4
  };
  if (!(r.openTimeoutMs > 0)) throw new RangeError("openTimeoutMs must be > 0");
  if (!(r.highWaterMark >= 0)) throw new RangeError("highWaterMark must be \u2265 0");
  if (!(r.drainTimeoutMs > 0)) throw new RangeError("drainTimeoutMs must be > 0");
  return r;
}
var ManagedSocket = class _ManagedSocket {
  o;
  closed;
  #ws;
  constructor(ws, closed, o) {
    this.o = o;
    this.#ws = ws;
    this.closed = closed;
  }
  /** Opens `url`; rejects with ClientError "timeout" or "refused". */
  static open(url, handlers, o) {
    return new Promise((resolve, reject) => {
      let opened = false;
      let ws;
      try {
        ws = new WebSocket(url);
      } catch (err) {
        reject(new ClientError("refused", `cannot open ${redact(url)}: ${err.message}`));
        return;
      }
      ws.binaryType = "arraybuffer";
      let resolveClosed;
      const closed = new Promise((r) => resolveClosed = r);
      const timer = setTimeout(() => {
        if (opened) return;
        try {
          ws.close();
        } catch {
        }
        reject(new ClientError("timeout", `${redact(url)} did not open within ${o.openTimeoutMs} ms`));
      }, o.openTimeoutMs);
      ws.onopen = () => {
        opened = true;
        clearTimeout(timer);
        resolve(new _ManagedSocket(ws, closed, o));
      };
      ws.onerror = () => {
        if (opened) return;
        clearTimeout(timer);
        reject(new ClientError("refused", `cannot connect to ${redact(url)}`));
      };
      ws.onmessage = (e) => handlers.message(e.data);
      ws.onclose = (e) => {
        clearTimeout(timer);
        resolveClosed({
          code: e.code,
          reason: e.reason
        });
        if (!opened) {
          reject(new ClientError("refused", `${redact(url)} closed before opening (${e.code})`, void 0, false, e.code));
        } else handlers.close(e.code, e.reason);
      };
    });
  }
  /** Whether the socket is open. */
  get isOpen() {
    return this.#ws.readyState === WebSocket.OPEN;
  }
  /** Bytes queued but not yet sent. */
  get bufferedAmount() {
    return this.#ws.bufferedAmount;
  }
  /** Sends once the buffer is below the high-water mark; rejects with "closed" or "timeout". */
  async send(data) {
    if (this.#ws.bufferedAmount > this.o.highWaterMark) await this.drain();
    if (!this.isOpen) throw new ClientError("closed", "the socket is closed");
    this.#ws.send(data);
  }
  /**
   * Sends at once unless the socket is closed or its buffer is above the high-water mark: then
   * drops the message and returns false (live media that would only arrive late).
   */
  trySend(data) {
    if (!this.isOpen || this.#ws.bufferedAmount > this.o.highWaterMark) return false;
    this.#ws.send(data);
    return true;
  }
  /** Resolves when the send buffer is at or below the high-water mark. */
  async drain() {
    const deadline = Date.now() + this.o.drainTimeoutMs;
    while (this.#ws.bufferedAmount > this.o.highWaterMark) {
      if (!this.isOpen) throw new ClientError("closed", "the socket closed while sends were waiting");
      if (Date.now() > deadline) {
        throw new ClientError("timeout", `the send buffer did not drain within ${this.o.drainTimeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
    }
  }
  /** Closes (idempotent) and resolves once closed. */
  async close(code = 1e3, reason = "") {
    if (this.#ws.readyState === WebSocket.CONNECTING || this.#ws.readyState === WebSocket.OPEN) {
      this.#ws.close(code, reason);
    }
    return await this.closed;
  }
};
function redact(url) {
  return url.replace(/([?&]token=)[^&]*/, "$1\u2026");
}
function withTimeout(p, ms, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new ClientError("timeout", `${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([
    p,
    t
  ]).finally(() => clearTimeout(timer));
}

// lib/client/events_connection.ts
var FINAL_CLOSE_CODES = /* @__PURE__ */ new Set([
  1e3,
  4400,
  4401,
  4403,
  4404
]);
var UNAUTHORIZED = 4401;
var EventsConnection = class _EventsConnection {
  /** seq of the last event delivered. */
  lastSeq;
  /** Reconnects so far. */
  reconnects = 0;
  #url;
  #o;
  #opts;
  #on;
  #final;
  #socket;
  #ended = false;
  #done;
  #resolveDone;
  #buffer = [];
  #waiters = [];
  #fresh = false;
  #gen = 0;
  constructor(url, options) {
    this.#url = url;
    this.#o = resolveConnectionOptions(options);
    this.#opts = options;
    this.#on = options.on ?? {};
    this.#final = new Set([
      ...FINAL_CLOSE_CODES
    ].filter((c) => !(options.retryOn ?? []).includes(c)));
    this.lastSeq = options.since ?? 0;
    if (!(Number.isInteger(this.lastSeq) && this.lastSeq >= 0)) throw new RangeError("since must be an integer \u2265 0");
    this.#done = new Promise((r) => this.#resolveDone = r);
  }
  /**
   * Subscribes; resolves once the first socket is open (rejects if it cannot open).
   * `url(since, fresh)` builds the socket URL for a given `since`.
   */
  static async open(url, options = {}) {
    const c = new _EventsConnection(url, options);
    await c.#connect(0);
    return c;
  }
  /**
   * Subscribes in the background: the first connect is retried like a reconnect (a page that
   * waits for its server or session), and `on` reports progress. Returns at once.
   */
  static start(url, options = {}) {
    const c = new _EventsConnection(url, options);
    void c.#retry(1006, "", 0);
    return c;
  }
  /** Resolves when the subscription is over (end(), a final close, or reconnects exhausted). */
  get done() {
    return this.#done;
  }
  /** Whether a socket is open now. */
  get isOpen() {
    return this.#socket?.isOpen ?? false;
  }
  /** Whether the subscription is over. */
  get ended() {
    return this.#ended;
  }
  async #connect(attempt) {
    const since = this.lastSeq;
    const url = await this.#url(since, this.#fresh);
    if (this.#ended) return;
    const gen = ++this.#gen;
    let opened = false;
    let early;
    const socket = await ManagedSocket.open(url, {
      message: (data) => {
        if (this.#gen === gen && !this.#ended) this.#onMessage(data);
      },
      close: (code, reason) => {
        if (this.#gen !== gen) return;
        if (opened) void this.#onClose(code, reason);
        else early = [
          code,
          reason
        ];
      }
    }, this.#o);
    if (this.#ended) {
      await socket.close(1e3, "end");
      return;
    }
    opened = true;
    this.#socket = socket;
    this.#fresh = false;
    this.#on.open?.({
      since,
      attempt
    });
    if (early) void this.#onClose(...early);
  }
  #onMessage(data) {
    if (typeof data !== "string") return;
    let m;
    try {
      m = JSON.parse(data);
    } catch {
      return;
    }
    if (m.seq === void 0) {
      const e = m;
      if (e.type === "error") {
        if (e.code === "history_gap" && /ahead|restarted/.test(e.message)) this.lastSeq = 0;
        this.#on.error?.(new ClientError("server", `${e.code}: ${e.message}`, e.code, e.recoverable));
      }
      return;
    }
    const ev = m;
    if (ev.seq <= this.lastSeq) return;
    this.lastSeq = ev.seq;
    this.#on.event?.(ev);
    this.#buffer.push(ev);
    if (this.#buffer.length > 1e4) this.#buffer.shift();
    for (const w of this.#waiters.splice(0)) w();
  }
  async #onClose(code, reason) {
    this.#socket = void 0;
    if (this.#ended) {
      this.#on.close?.({
        code,
        reason,
        willReconnect: false
      });
      return this.#finish();
    }
    const refresh = code === UNAUTHORIZED && !!this.#opts.refreshToken && !this.#fresh;
    const reconnect = (this.#opts.reconnect ?? true) && (refresh || !this.#final.has(code));
    this.#on.close?.({
      code,
      reason,
      willReconnect: reconnect
    });
    if (!reconnect) {
      return this.#fail(new ClientError("closed", `the events socket closed (${code}${reason ? ` ${reason}` : ""})`, void 0, false, code));
    }
    if (refresh) this.#fresh = true;
    await this.#retry(code, reason, 1);
  }
  /** Reconnects with backoff until a socket opens, the subscription ends or attempts run out. */
  async #retry(code, reason, firstAttempt) {
    const base = this.#opts.backoffMs ?? 250, max = this.#opts.maxBackoffMs ?? 1e4;
    const maxAttempts = this.#opts.maxAttempts ?? Infinity;
    for (let attempt = firstAttempt; attempt <= maxAttempts && !this.#ended; attempt++) {
      const fixed = this.#opts.closeDelayMs?.[code];
      const delay = attempt === 0 || this.#fresh ? 0 : typeof fixed === "function" ? fixed(attempt) : fixed ?? Math.random() * Math.min(max, base * 2 ** (attempt - 1));
      if (attempt > 0) this.#on.reconnecting?.({
        attempt,
        delayMs: delay,
        code,
        reason,
        fresh: this.#fresh
      });
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      if (this.#ended) break;
      if (this.lastSeq > 0 && attempt > 0 && this.#opts.serverLastSeq) {
        const last = await this.#opts.serverLastSeq().catch(() => void 0);
        if (last !== void 0 && last < this.lastSeq) {
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
        const status = err?.status;
        if (!(err instanceof ClientError) && (status === 401 || status === 403)) {
          return this.#fail(new ClientError("refused", `no token: ${err.message}`, "unauthorized", false));
        }
        const e = err instanceof ClientError ? err : new ClientError("refused", String(err?.message ?? err));
        if (this.#fresh && e.kind !== "timeout") {
          return this.#fail(new ClientError("refused", `refused with a fresh token: ${e.message}`, "unauthorized", false));
        }
        if (e.kind === "refused" && this.#opts.probe) {
          const why = await this.#opts.probe().catch(() => void 0);
          if (this.#ended) break;
          if (why) return this.#fail(new ClientError("refused", why, void 0, false, e.closeCode));
        }
        this.#on.error?.(e);
        code = e.closeCode ?? 1006;
        reason = e.message;
      }
    }
    if (this.#ended) return this.#finish();
    this.#fail(new ClientError("refused", `gave up after ${maxAttempts} attempts`, void 0, false));
  }
  #fail(err) {
    if (this.#ended) return;
    this.#finish();
    this.#on.failed?.(err);
  }
  #finish() {
    this.#ended = true;
    this.#resolveDone();
    for (const w of this.#waiters.splice(0)) w();
  }
  /** Events as an async iterator (ends when the subscription does). */
  async *[Symbol.asyncIterator]() {
    while (true) {
      while (this.#buffer.length) yield this.#buffer.shift();
      if (this.#ended) return;
      await new Promise((r) => this.#waiters.push(r));
    }
  }
  /** Stops reconnecting and closes; resolves once closed. */
  async end() {
    this.#ended = true;
    await this.#socket?.close(1e3, "end");
    this.#finish();
  }
};

// lib/client/media_connection.ts
var FINAL_CLOSES = /* @__PURE__ */ new Set([
  1e3,
  1008,
  4400,
  4403,
  4404
]);
var MediaConnection = class {
  url;
  /** The server's `ready` message. */
  ready;
  /** Error replies received so far, by code. */
  errorCounts;
  socket;
  o;
  #endTimeoutMs;
  #on;
  #fatal;
  #ending;
  #hello;
  #reconnect;
  /** Successful reconnects so far. */
  #reconnects;
  /** Set while a reconnect is pending: resolves when a new socket is ready, rejects on giving up. */
  #reopened;
  #final;
  #finalised;
  constructor(url, options) {
    this.url = url;
    this.errorCounts = {};
    this.#ending = false;
    this.#reconnects = 0;
    this.#final = Promise.withResolvers();
    this.#finalised = false;
    this.o = resolveConnectionOptions(options);
    this.#endTimeoutMs = options.endTimeoutMs ?? 3e4;
    this.#on = options.on ?? {};
    this.#reconnect = {
      on: options.reconnect ?? false,
      backoffMs: options.backoffMs ?? 250,
      maxBackoffMs: options.maxBackoffMs ?? 1e4,
      maxAttempts: options.maxAttempts ?? Infinity
    };
    if (!(this.#reconnect.backoffMs >= 0)) throw new RangeError("backoffMs must be \u2265 0");
    if (!(this.#reconnect.maxBackoffMs >= this.#reconnect.backoffMs)) {
      throw new RangeError("maxBackoffMs must be \u2265 backoffMs");
    }
    if (!(this.#reconnect.maxAttempts >= 1)) throw new RangeError("maxAttempts must be \u2265 1");
    this.#final.promise.catch(() => {
    });
  }
  /** Successful reconnects so far. */
  get reconnects() {
    return this.#reconnects;
  }
  /** Called after each successful reconnect, before `open` is reported (subclasses rebase clocks). */
  onReconnected() {
  }
  /** Opens the socket, sends `hello` when given, and resolves on `ready`. */
  async connect(hello) {
    this.#hello = hello;
    await this.#openSocket(false, true);
    this.#on.open?.(this.ready, 0);
  }
  async #openSocket(fresh, initial = false) {
    const hello = this.#hello;
    let readyResolve, readyReject;
    const ready = new Promise((res, rej) => (readyResolve = res, readyReject = rej));
    ready.catch(() => {
    });
    const started = Date.now();
    const url = typeof this.url === "string" ? this.url : await this.url(fresh);
    let isReady = false;
    const socket = await ManagedSocket.open(url, {
      message: (data) => {
        if (typeof data !== "string") return;
        let m;
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
        readyReject(this.#fatal ?? new ClientError("closed", `closed before ready (${code} ${reason})`, void 0, false, code));
        if (isReady && socket === this.socket) this.#dropped(code, reason);
        else if (initial) this.#closeFinal(code, reason);
      }
    }, this.o);
    this.socket = socket;
    if (hello) await socket.send(JSON.stringify(hello));
    const left = Math.max(1, this.o.openTimeoutMs - (Date.now() - started));
    try {
      this.ready = await withTimeout(ready, left, "waiting for ready");
      isReady = true;
      if (!socket.isOpen) throw new ClientError("closed", "closed right after ready");
    } catch (err) {
      if (this.#fatal) await withTimeout(socket.closed, 1e3, "the server's close").catch(() => {
      });
      await socket.close();
      throw err;
    }
  }
  /** The ready socket closed: reconnect when allowed, else close for good. */
  #dropped(code, reason) {
    const r = this.#reconnect;
    if (!r.on || this.#ending || this.#fatal || FINAL_CLOSES.has(code)) return this.#closeFinal(code, reason);
    const reopened = Promise.withResolvers();
    reopened.promise.catch(() => {
    });
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
      this.#on.reconnecting?.({
        attempt,
        delayMs,
        code: lastCode,
        reason: lastReason
      });
      setTimeout(async () => {
        if (fresh) freshUsed = true;
        try {
          await this.#openSocket(fresh);
        } catch (err) {
          const e = err;
          lastCode = e.closeCode ?? 1006;
          lastReason = e.message;
          if (this.#fatal || FINAL_CLOSES.has(lastCode) || lastCode === 4401 && freshUsed) {
            reopened.reject(this.#fatal ?? e);
            return this.#closeFinal(lastCode, lastReason);
          }
          return tryAgain();
        }
        if (this.#ending) {
          reopened.reject(new ClientError("closed", "end() was called while reconnecting"));
          this.#reopened = void 0;
          const c = await this.socket.close(1e3, "end");
          return this.#closeFinal(c.code, c.reason);
        }
        this.#reconnects++;
        this.#reopened = void 0;
        this.onReconnected();
        reopened.resolve();
        this.#on.open?.(this.ready, this.#reconnects);
      }, delayMs);
    };
    tryAgain();
  }
  #closeFinal(code, reason) {
    if (this.#finalised) return;
    this.#finalised = true;
    this.#reopened = void 0;
    this.#final.resolve({
      code,
      reason
    });
    this.#on.close?.(code, reason);
  }
  /** Whether the socket is open. */
  get isOpen() {
    return this.socket.isOpen;
  }
  /** Bytes waiting in the send buffer. */
  get bufferedAmount() {
    return this.socket.bufferedAmount;
  }
  /** Resolves with the close code and reason once the connection closed for good (not on a drop it reconnects after). */
  get closed() {
    return this.#final.promise;
  }
  /** Whether a reconnect is pending. */
  get reconnecting() {
    return this.#reopened !== void 0;
  }
  async sendRaw(data) {
    if (this.#fatal) throw this.#fatal;
    if (this.#ending) throw new ClientError("closed", "end() was called");
    if (this.#reopened) await withTimeout(this.#reopened, this.o.drainTimeoutMs, "reconnecting");
    await this.socket.send(data);
  }
  /** Sends now or drops (returns false): closed, ending, after a fatal error, or buffer above the high-water mark. */
  trySendRaw(data) {
    if (this.#fatal || this.#ending) return false;
    return this.socket.trySend(data);
  }
  /** Whether `end()`, `close()` or a withdrawal was called. */
  get ending() {
    return this.#ending;
  }
  /** Marks the connection as ending: sends are refused from now on. */
  markEnding() {
    this.#ending = true;
  }
  /**
   * Sends `end`: the server flushes the stream (last utterance analysed, `participant.left`)
   * and closes with 1000. Resolves with the close; idempotent.
   */
  async end() {
    if (!this.#ending && this.socket.isOpen) {
      this.#ending = true;
      await this.socket.drain().catch(() => {
      });
      if (this.socket.isOpen) await this.socket.send(JSON.stringify({
        type: "end"
      })).catch(() => {
      });
    }
    this.#ending = true;
    if (!this.socket.isOpen && !this.#reopened) {
      const c = await this.socket.closed;
      this.#closeFinal(c.code, c.reason);
    }
    try {
      return await withTimeout(this.#final.promise, this.#endTimeoutMs, "end");
    } catch (err) {
      await this.socket.close(1e3, "end timed out");
      throw err;
    }
  }
  /** Closes at once without `end` (the server flushes as for a disconnect). */
  async close() {
    this.#ending = true;
    const c = await this.socket.close();
    this.#closeFinal(c.code, c.reason);
  }
};
function errorOf(m) {
  return new ClientError("server", `${m.code}: ${m.message}`, m.code, m.recoverable);
}

// lib/client/ingest_connection.ts
var IngestConnection = class _IngestConnection extends MediaConnection {
  audio;
  /** Bytes per ms of the announced audio format (0 without audio). */
  #bytesPerMs;
  #offeredBytes = 0;
  #offsetMs = 0;
  constructor(url, options) {
    super(url, options);
    this.audio = options.audio;
    const a = options.audio;
    this.#bytesPerMs = a ? a.sampleRate / 1e3 * a.channels * (a.encoding === "f32le" ? 4 : 2) : 0;
  }
  /**
   * Opens `url` (a full ws(s):// ingest URL, or a function giving one per connect: `fresh` after
   * a 4401 close), sends hello and waits for `ready`.
   */
  static async open(url, options = {}) {
    const c = new _IngestConnection(url, options);
    const hello = {
      type: "hello"
    };
    if (options.audio) hello.audio = options.audio;
    if (options.name) hello.name = options.name;
    if (options.consent !== void 0) hello.consent = options.consent;
    await c.connect(hello);
    return c;
  }
  /** Audio offered so far (sent, or dropped while disconnected or congested), in ms: the caller's media clock. */
  get offeredMs() {
    return this.#bytesPerMs ? this.#offeredBytes / this.#bytesPerMs : 0;
  }
  /** Where the current socket's media clock started on the caller's clock, in ms (0 until a reconnect). */
  get timeOffsetMs() {
    return this.#offsetMs;
  }
  onReconnected() {
    this.#offsetMs = this.offeredMs;
  }
  /** A face frame on the server's clock, or null when it lies before the current socket. */
  #face(frame) {
    if (this.#offsetMs === 0) return frame;
    const timeMs = frame.timeMs - this.#offsetMs;
    return timeMs < 0 ? null : {
      ...frame,
      timeMs
    };
  }
  /** A transcript segment on the server's clock, or null when it ends before the current socket. */
  #transcript(segment) {
    const o = this.#offsetMs;
    if (o === 0) return segment;
    if (segment.endMs - o < 0) return null;
    const at = (ms) => Math.max(0, ms - o);
    return {
      ...segment,
      startMs: at(segment.startMs),
      endMs: at(segment.endMs),
      ...segment.words ? {
        words: segment.words.map((w) => ({
          ...w,
          startMs: at(w.startMs),
          endMs: at(w.endMs)
        }))
      } : {}
    };
  }
  /** Sends interleaved little-endian samples in the announced format (whole sample frames). */
  async sendAudio(bytes) {
    try {
      await this.sendRaw(bytes);
    } finally {
      this.#offeredBytes += bytes.byteLength;
    }
  }
  /** Sends one face message (measured by the caller, e.g. in the browser); one from before a reconnect is dropped. */
  async sendFace(frame) {
    const f = this.#face(frame);
    if (f) await this.sendRaw(JSON.stringify(f));
  }
  /** Sends an interim or final transcript segment; one ending before a reconnect is dropped. */
  async sendTranscript(segment) {
    const t = this.#transcript(segment);
    if (t) await this.sendRaw(JSON.stringify({
      type: "transcript",
      ...t
    }));
  }
  /**
   * Live media that must not pile up: sends at once, or drops and returns false when the send
   * buffer is above the high-water mark (or the connection is closed or ending).
   */
  trySendAudio(bytes) {
    const view = ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
    this.#offeredBytes += view.byteLength;
    return this.trySendRaw(view);
  }
  /** {@linkcode trySendAudio} for a face message. */
  trySendFace(frame) {
    const f = this.#face(frame);
    return f ? this.trySendRaw(JSON.stringify(f)) : false;
  }
  /** {@linkcode trySendAudio} for a transcript segment. */
  trySendTranscript(segment) {
    const t = this.#transcript(segment);
    return t ? this.trySendRaw(JSON.stringify({
      type: "transcript",
      ...t
    })) : false;
  }
  /**
   * Withdraws consent: analysis stops at once and the server closes the socket. Nothing more can
   * be sent afterwards. With `closeAfterMs`, the client closes the socket itself if the server
   * has not within that time.
   */
  async withdrawConsent(options = {}) {
    await this.sendRaw(JSON.stringify({
      type: "consent",
      consent: false
    }));
    this.markEnding();
    if (options.closeAfterMs !== void 0) {
      const timer = setTimeout(() => void this.close(), options.closeAfterMs);
      void this.closed.then(() => clearTimeout(timer));
    }
  }
};
function pcm16(samples) {
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < samples.length; i++) {
    view.setInt16(i * 2, Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32767))), true);
  }
  return out;
}

// lib/client/video_connection.ts
var VIDEO_HEADER_BYTES = 8;
function videoFrameMessage(timeMs, image) {
  const out = new Uint8Array(VIDEO_HEADER_BYTES + image.length);
  new DataView(out.buffer).setFloat64(0, timeMs, true);
  out.set(image, VIDEO_HEADER_BYTES);
  return out;
}
var VideoConnection = class _VideoConnection extends MediaConnection {
  #offset;
  constructor(url, options) {
    super(url, options);
    this.#offset = options.timeOffsetMs;
  }
  /** Opens `url` (a full ws(s):// video URL, or a function giving one per connect) and waits for `ready`. */
  static async open(url, options = {}) {
    const c = new _VideoConnection(url, options);
    const hello = {
      type: "hello",
      ...options.name ? {
        name: options.name
      } : {},
      ...options.consent !== void 0 ? {
        consent: options.consent
      } : {}
    };
    await c.connect(Object.keys(hello).length > 1 ? hello : void 0);
    return c;
  }
  /** Sends one frame taken at `timeMs` on the participant's media clock. */
  async sendFrame(timeMs, image) {
    if (!(Number.isFinite(timeMs) && timeMs >= 0)) throw new RangeError(`timeMs must be \u2265 0, got ${timeMs}`);
    const t = timeMs - (this.#offset?.() ?? 0);
    if (t < 0) return;
    await this.sendRaw(videoFrameMessage(t, image));
  }
};

// lib/client/affectstream_client.ts
var AffectstreamClient = class _AffectstreamClient {
  url;
  /** The token, when a fixed one was given. */
  token;
  /** The token provider, when one was given. */
  tokenProvider;
  httpTimeoutMs;
  constructor(options) {
    const u = new URL(options.url);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new TypeError("url must be http:// or https://");
    this.url = u.origin + u.pathname.replace(/\/+$/, "");
    if (typeof options.token === "function") this.tokenProvider = options.token;
    else this.token = options.token;
    this.httpTimeoutMs = options.httpTimeoutMs ?? 1e4;
  }
  /** The same server with another token (or token provider). */
  withToken(token) {
    return new _AffectstreamClient({
      url: this.url,
      token,
      httpTimeoutMs: this.httpTimeoutMs
    });
  }
  /** The token to use now: the fixed one, or the provider's (`fresh`: the last one was refused). */
  async getToken(fresh = false) {
    return this.tokenProvider ? await this.tokenProvider(fresh) : this.token;
  }
  /** ws(s):// URL of a path, with the (fixed) token and extra query parameters. */
  socketUrl(path, query = {}, token = this.token) {
    const u = new URL(this.url + path);
    u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    if (token) u.searchParams.set("token", token);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
    return u.toString();
  }
  /** Opens a participant's ingest socket and waits for `ready`. */
  ingest(sessionId, participantId, options = {}) {
    const path = participantPath(sessionId, participantId, "ingest");
    if (options.reconnect) return IngestConnection.open(this.#mediaUrl(path), options);
    return this.#openMedia((token) => IngestConnection.open(this.socketUrl(path, {}, token), options));
  }
  /** Opens a participant's video socket and waits for `ready`. */
  video(sessionId, participantId, options = {}) {
    const path = participantPath(sessionId, participantId, "video");
    if (options.reconnect) return VideoConnection.open(this.#mediaUrl(path), options);
    return this.#openMedia((token) => VideoConnection.open(this.socketUrl(path, {}, token), options));
  }
  /** Subscribes to a session's events (reconnecting with `since`); resolves once the first socket is open. */
  events(sessionId, options = {}) {
    return EventsConnection.open(this.#eventsUrl(sessionId), this.#eventsOptions(options));
  }
  /**
   * Subscribes in the background (the first connect is retried like a reconnect, e.g. while the
   * server or the session is not there yet); returns at once. Progress comes through `on`.
   */
  subscribe(sessionId, options = {}) {
    return EventsConnection.start(this.#eventsUrl(sessionId), this.#eventsOptions(options));
  }
  #eventsUrl(sessionId) {
    const path = `/v1/sessions/${encodeURIComponent(sessionId)}/events`;
    return async (since, fresh) => this.socketUrl(path, {
      since: String(since)
    }, await this.getToken(fresh));
  }
  /** A media socket URL per (re)connect, with a fresh token after a 4401 close when a provider can mint one. */
  #mediaUrl(path) {
    return async (fresh) => this.socketUrl(path, {}, await this.getToken(fresh));
  }
  #eventsOptions(options) {
    return this.tokenProvider && options.refreshToken === void 0 ? {
      ...options,
      refreshToken: true
    } : options;
  }
  /** Opens with the current token; with a provider, once more with a fresh one after an unauthorized refusal. */
  async #openMedia(open) {
    try {
      return await open(await this.getToken(false));
    } catch (err) {
      const unauthorized = err instanceof ClientError && (err.code === "unauthorized" || err.closeCode === 4401);
      if (!this.tokenProvider || !unauthorized) throw err;
      return await open(await this.getToken(true));
    }
  }
  /** GET /v1/health. */
  health() {
    return this.http("GET", "/v1/health");
  }
  /** POST /v1/tokens (needs the admin key or an admin token). */
  createToken(request) {
    return this.http("POST", "/v1/tokens", request);
  }
  /** POST /v1/sessions (admin): creates the session if needed. */
  createSession(sessionId) {
    return this.http("POST", "/v1/sessions", sessionId ? {
      sessionId
    } : {});
  }
  /** A JSON HTTP call; rejects with ClientError "server" (code = the body's `error`) on a non-2xx answer. */
  async http(method, path, body) {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), this.httpTimeoutMs);
    try {
      const headers = {};
      const token = await this.getToken(false);
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== void 0) headers["content-type"] = "application/json";
      const res = await fetch(this.url + path, {
        method,
        headers,
        body: body === void 0 ? void 0 : JSON.stringify(body),
        signal: ctl.signal
      }).catch((err) => {
        throw new ClientError(ctl.signal.aborted ? "timeout" : "refused", `${method} ${path}: ${err.message}`);
      });
      const text = await res.text();
      let json;
      try {
        json = text ? JSON.parse(text) : {};
      } catch {
        json = {
          error: "bad_json",
          message: text.slice(0, 200)
        };
      }
      if (!res.ok) {
        throw new ClientError("server", `${method} ${path}: ${res.status} ${json.message ?? json.error ?? ""}`.trim(), json.error, false);
      }
      return json;
    } finally {
      clearTimeout(timer);
    }
  }
};
function participantPath(sessionId, participantId, kind) {
  return `/v1/sessions/${encodeURIComponent(sessionId)}/participants/${encodeURIComponent(participantId)}/${kind}`;
}
export {
  AffectstreamClient,
  ClientError,
  EventsConnection,
  IngestConnection,
  MediaConnection,
  VIDEO_HEADER_BYTES,
  VideoConnection,
  pcm16,
  videoFrameMessage
};
