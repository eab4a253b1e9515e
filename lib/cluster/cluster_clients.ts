/**
 * Clients that survive an instance's loss, for the cluster test and benchmark: a subscriber that
 * resumes with `since` wherever its URL leads (HAProxy), checking that seq only rises, and a
 * participant that streams real-time PCM and reconnects (new ingest socket, new hello) when its
 * instance goes away. Both record timings so recovery can be measured.
 */

/**
 * Close codes after which reconnecting cannot help (unauthorized, forbidden or consent, session
 * erased or unknown): the client stops. Others (an instance lost, 4408 slow, 4409 a claim not yet
 * lapsed) are retried.
 */
const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([4401, 4403, 4404]);
/** The same as error codes (the `error` message before the close; a close racing a send may arrive as 1006). */
const FINAL_ERROR_CODES: ReadonlySet<string> = new Set([
  "unauthorized",
  "forbidden",
  "consent_required",
  "session_not_found",
]);

/** Mints a token with the admin key (POST /v1/tokens). */
export async function mintToken(
  httpBase: string,
  adminKey: string,
  req: { sessionId: string; role: "ingest" | "view"; participantId?: string; consent?: boolean; ttlS?: number },
): Promise<string> {
  const r = await fetch(`${httpBase}/v1/tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    body: JSON.stringify(req),
  });
  const body = await r.json();
  if (r.status !== 201) throw new Error(`POST /v1/tokens → ${r.status} ${JSON.stringify(body)}`);
  return body.token;
}

/** An event as a subscriber received it. */
export interface ReceivedEvent {
  seq: number;
  type: string;
  participantId?: string;
  /** The raw JSON text, to compare content across subscribers and with the store. */
  raw: string;
  receivedMs: number;
}

/** A subscriber of a session's events that resumes with `since` after any close. */
export class ResumingSubscriber {
  readonly events: ReceivedEvent[] = [];
  /** seq went down or repeated (must stay 0). */
  nonIncreasing = 0;
  /** Closes seen (instance loss, slow subscriber…). */
  closes: { atMs: number; code: number }[] = [];
  /** Times from a close to the resumed socket's open, in ms. */
  reopenMs: number[] = [];
  /** Times a resumed connection delivered its first event after a close, in ms since that close. */
  resumeMs: number[] = [];
  #ws?: WebSocket;
  #stopped = false;
  #waiters: (() => void)[] = [];
  #closedAt?: number;
  #reconnecting = false;

  /** `url(since)` gives the events WebSocket URL; the first connection may go elsewhere than resumes. */
  constructor(
    readonly name: string,
    private readonly firstUrl: (since: number) => string,
    private readonly resumeUrl: (since: number) => string,
  ) {}

  get lastSeq(): number {
    return this.events.at(-1)?.seq ?? 0;
  }

  /** Connects (first URL); resolves once open. */
  start(): Promise<void> {
    return this.#connect(this.firstUrl(0));
  }

  #connect(url: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      this.#ws = ws;
      let opened = false;
      ws.onopen = () => {
        opened = true;
        if (this.#closedAt !== undefined) this.reopenMs.push(Date.now() - this.#closedAt);
        resolve();
      };
      ws.onmessage = (e) => {
        const raw = e.data as string;
        const m = JSON.parse(raw);
        if (typeof m.seq !== "number" || m.seq <= 0) return; // live-only (partials) and notices
        if (m.seq <= this.lastSeq) {
          this.nonIncreasing++;
          return;
        }
        if (this.#closedAt !== undefined) {
          this.resumeMs.push(Date.now() - this.#closedAt);
          this.#closedAt = undefined;
        }
        this.events.push({ seq: m.seq, type: m.type, participantId: m.participantId, raw, receivedMs: Date.now() });
        for (const w of this.#waiters.splice(0)) w();
      };
      ws.onerror = () => {
        if (!opened) reject(new Error(`${this.name}: cannot connect to ${url.replace(/token=[^&]+/, "token=…")}`));
      };
      ws.onclose = (e) => {
        if (!opened) return;
        this.closes.push({ atMs: Date.now(), code: e.code });
        if (FINAL_CLOSE_CODES.has(e.code)) this.#stopped = true;
        if (this.#stopped) return;
        this.#closedAt ??= Date.now();
        if (!this.#reconnecting) void this.#reconnect();
      };
    });
  }

  async #reconnect(): Promise<void> {
    this.#reconnecting = true;
    try {
      for (let attempt = 0; !this.#stopped; attempt++) {
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 1_000)));
        try {
          await this.#connect(this.resumeUrl(this.lastSeq));
          return;
        } catch { /* try again */ }
      }
    } finally {
      this.#reconnecting = false;
    }
  }

  /** Waits until the subscriber has seen seq ≥ `seq`. */
  async waitForSeq(seq: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.lastSeq < seq) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name}: at seq ${this.lastSeq}, waited for ${seq}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#waiters.push(() => (clearTimeout(t), r()));
      });
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#ws?.close();
  }
}

/** One participant streaming 16 kHz PCM in 20 ms messages at real time, reconnecting on loss. */
export class StreamingParticipant {
  /** Times from losing the socket to `ready` on a new one, in ms. */
  reconnectMs: number[] = [];
  /** Errors the server sent (code → count). */
  errors: Record<string, number> = {};
  framesSent = 0;
  connections = 0;
  /** The close code that ended the stream for good (4401, 4403, 4404), if any. */
  finalCloseCode?: number;
  /** The non-recoverable error code that ended the stream (forbidden, session_not_found…), if any. */
  finalError?: string;
  /** Every close seen (code and reason). */
  closes: string[] = [];
  #ws?: WebSocket;
  #stopped = false;
  #ready = false;
  #timer?: ReturnType<typeof setInterval>;
  #pos = 0;
  #startWall = 0;
  #lostAt?: number;
  #reconnecting = false;

  constructor(
    readonly participantId: string,
    private readonly pcm: Int16Array,
    private readonly firstUrl: string,
    private readonly resumeUrl: string,
    private readonly hello: Record<string, unknown>,
  ) {}

  /** Whether the current socket is streaming. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Connects and starts streaming; resolves at the first `ready`. */
  async start(): Promise<void> {
    await this.#connect(this.firstUrl);
    this.#startWall = performance.now();
    // Real time by the wall clock: each tick sends every frame now due, so a late timer catches up.
    this.#timer = setInterval(() => this.#tick(), 20);
  }

  #tick(): void {
    if (!this.#ready || !this.#ws || this.#ws.readyState !== WebSocket.OPEN) return;
    const due = Math.floor((performance.now() - this.#startWall) / 20);
    for (; this.framesSent < due; this.framesSent++) {
      const f = this.pcm.subarray(this.#pos, this.#pos + 320);
      this.#pos = (this.#pos + 320) % (this.pcm.length - 320);
      this.#ws.send(f.slice().buffer);
    }
  }

  #connect(url: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.binaryType = "arraybuffer";
      this.#ws = ws;
      let settled = false;
      ws.onopen = () => ws.send(JSON.stringify(this.hello));
      ws.onmessage = (e) => {
        if (typeof e.data !== "string") return;
        const m = JSON.parse(e.data);
        if (m.type === "ready") {
          this.connections++;
          this.#ready = true;
          if (this.#lostAt !== undefined) this.reconnectMs.push(Date.now() - this.#lostAt);
          this.#lostAt = undefined;
          // Media resumes where the wall clock is: the frames of the outage are skipped, not replayed.
          if (this.#startWall > 0) this.framesSent = Math.floor((performance.now() - this.#startWall) / 20);
          settled = true;
          resolve();
        } else if (m.type === "error") {
          this.errors[m.code] = (this.errors[m.code] ?? 0) + 1;
          if (m.recoverable === false && FINAL_ERROR_CODES.has(m.code)) this.finalError = m.code;
        }
      };
      ws.onclose = (e) => {
        this.#ready = false;
        if (!settled) {
          settled = true;
          reject(
            new Error(
              `${this.participantId}: closed before ready (${e.code} ${e.reason}) ${JSON.stringify(this.errors)}`,
            ),
          );
        }
        this.closes.push(`${e.code} ${e.reason}`);
        if (FINAL_CLOSE_CODES.has(e.code) || this.finalError) {
          this.finalCloseCode = e.code;
          this.#stopped = true;
          clearInterval(this.#timer);
        }
        if (this.#stopped) return;
        this.#lostAt ??= Date.now();
        if (this.connections > 0 && !this.#reconnecting) void this.#reconnect();
      };
    });
  }

  async #reconnect(): Promise<void> {
    this.#reconnecting = true;
    try {
      for (let attempt = 0; !this.#stopped && !this.#ready; attempt++) {
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 1_000)));
        if (this.#ready || this.#stopped) return;
        try {
          await this.#connect(this.resumeUrl);
          return;
        } catch { /* the old claim may not have lapsed yet, or no instance is up: try again */ }
      }
    } finally {
      this.#reconnecting = false;
    }
  }

  /** Sends `end` and waits for the close (the last utterance is analysed first). */
  async end(timeoutMs = 15_000): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    const ws = this.#ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    const closed = new Promise<void>((r) => ws.addEventListener("close", () => r()));
    ws.send(JSON.stringify({ type: "end" }));
    await Promise.race([closed, new Promise((r) => setTimeout(r, timeoutMs))]);
  }

  /** Stops without `end` (abrupt close). */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#ws?.close();
  }
}
