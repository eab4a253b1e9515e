/**
 * All sessions of a server. A session exists once created in the store (`POST /v1/sessions` or
 * the first authorised ingest); asking for one that does not exist creates nothing. Sessions are
 * held in memory while used and dropped once idle with no participant and no subscriber for
 * `idleMs` (they stay in the store until retention or erasure), so memory is bounded over days.
 */
import type { StageFactory } from "../engine/stages.ts";
import { CloseCode, ProtocolError } from "../protocol/errors.ts";
import { validateId } from "../protocol/ids.ts";
import type { SileroVad } from "../segment/silero_vad.ts";
import { MemoryStore } from "../store/memory_store.ts";
import type { ErasureReport, RetentionReport, Store } from "../store/store.ts";
import { resolveParticipantOptions } from "./participant_options.ts";
import { DEFAULT_CLAIM_TTL_MS, Session, type SessionOptions } from "./session.ts";

/** Options for {@linkcode SessionRegistry}. */
export interface SessionRegistryOptions {
  /** Most sessions held in memory at once. Default 256. */
  maxSessions?: number;
  /** A session with no participant or subscriber for this long leaves memory, in ms. Default 30 min. */
  idleMs?: number;
  /** Options of every session; `session.store` is where they are kept (default: in memory). */
  session?: SessionOptions;
}

/** Creates, finds, erases and expires sessions. */
export class SessionRegistry {
  readonly sessions = new Map<string, Session>();
  readonly maxSessions: number;
  readonly idleMs: number;
  readonly store: Store;
  readonly #sessionOptions: SessionOptions;
  #opening = new Map<string, Promise<Session | undefined>>();
  #heartbeat?: ReturnType<typeof setInterval>;
  #offErasure?: () => void;

  constructor(
    readonly vad: SileroVad,
    readonly stages: StageFactory,
    readonly options: SessionRegistryOptions = {},
  ) {
    this.maxSessions = options.maxSessions ?? 256;
    this.idleMs = options.idleMs ?? 30 * 60_000;
    if (!(this.maxSessions >= 1)) throw new RangeError("maxSessions must be ≥ 1");
    if (!(this.idleMs >= 1000)) throw new RangeError("idleMs must be ≥ 1000");
    // Participant options are checked now, at start, not when the first participant joins.
    resolveParticipantOptions(options.session?.participant);
    this.store = options.session?.store ?? new MemoryStore();
    this.#sessionOptions = { ...options.session, store: this.store };
    const ttl = this.#sessionOptions.claimTtlMs ?? DEFAULT_CLAIM_TTL_MS;
    // Claims of this instance's live participants are renewed well within their TTL.
    this.#heartbeat = setInterval(() => {
      void this.store.renewClaims(this.#sessionOptions.instanceId ?? "local", ttl).catch(() => {});
    }, Math.max(1000, Math.floor(ttl / 3)));
    Deno.unrefTimer(this.#heartbeat);
    // A shared engine: an erasure (DELETE, retention) done by any instance also clears the
    // sessions this one holds (their sockets close, their streams stop). Repeating it here finds
    // nothing more in the engine, so the notices do not echo between instances.
    this.#offErasure = this.store.onErasure?.((n) => {
      if (!this.sessions.has(n.sessionId)) return;
      const done = n.participantId === undefined
        ? this.erase(n.sessionId)
        : this.eraseParticipant(n.sessionId, n.participantId);
      done.catch(() => {});
    });
  }

  /**
   * The session held in memory (where its participants stream). Throws a non-recoverable
   * ProtocolError `session_not_found` (4404) when it is not held; creates nothing.
   */
  get(id: string): Session {
    validateId("session", id);
    const s = this.sessions.get(id);
    if (!s) throw new ProtocolError("session_not_found", `session ${id} does not exist`, false, CloseCode.notFound);
    return s;
  }

  /** The session held in memory, if any (creates nothing). */
  peek(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  /**
   * The session with this id: from memory, else from the store; with `create`, created when it
   * does not exist. Undefined when it does not exist and `create` is false. Throws ProtocolError
   * for a bad id or when the server holds its maximum of sessions.
   */
  open(id: string, opts: { create?: boolean } = {}): Promise<Session | undefined> {
    validateId("session", id);
    const held = this.sessions.get(id);
    if (held) return Promise.resolve(held);
    const pending = this.#opening.get(id);
    if (pending && !opts.create) return pending;
    const p = (pending ?? Promise.resolve(undefined)).catch(() => undefined).then(async (prior) => {
      if (prior) return prior;
      const again = this.sessions.get(id);
      if (again) return again;
      const exists = await this.store.hasSession(id);
      if (!exists && !opts.create) return undefined;
      this.sweep();
      if (this.sessions.size >= this.maxSessions) {
        throw new ProtocolError("limit_reached", `server holds ${this.maxSessions} sessions at most`, false, CloseCode.limitReached);
      }
      if (!exists) await this.store.createSession(id);
      const s = this.sessions.get(id) ?? new Session(id, this.vad, this.stages, this.#sessionOptions);
      this.sessions.set(id, s);
      return s;
    });
    this.#opening.set(id, p);
    const done = () => {
      if (this.#opening.get(id) === p) this.#opening.delete(id);
    };
    p.then(done, done);
    return p;
  }

  /** Creates a session in the store (and memory); `created` false when it existed. */
  async create(id: string): Promise<{ session: Session; created: boolean }> {
    validateId("session", id);
    const existed = this.sessions.has(id) || await this.store.hasSession(id);
    const session = (await this.open(id, { create: true }))!;
    return { session, created: !existed };
  }

  /** Erases a session from memory and the store; undefined when it does not exist. */
  async erase(id: string): Promise<ErasureReport | undefined> {
    validateId("session", id);
    const s = this.sessions.get(id);
    if (!s && !await this.store.hasSession(id)) return undefined;
    this.sessions.delete(id);
    return s ? await s.erase() : await this.store.deleteSession(id);
  }

  /** Erases one participant of a session; undefined when the session does not exist. */
  async eraseParticipant(id: string, participantId: string): Promise<ErasureReport | undefined> {
    validateId("session", id);
    validateId("participant", participantId);
    const s = this.sessions.get(id);
    if (s) return await s.eraseParticipant(participantId);
    if (!await this.store.hasSession(id)) return undefined;
    return await this.store.deleteParticipant(id, participantId);
  }

  /** Deletes what is older than `cutoffWallMs` from the store; held sessions it removed are erased from memory. */
  async applyRetention(cutoffWallMs: number): Promise<RetentionReport> {
    const report = await this.store.applyRetention(cutoffWallMs);
    for (const [id, s] of [...this.sessions]) {
      if (!await this.store.hasSession(id)) {
        this.sessions.delete(id);
        await s.erase().catch(() => {});
      }
    }
    return report;
  }

  /** Flushes every participant still streaming (server shutdown), then waits for their events to be stored. */
  async endAll(): Promise<void> {
    const ends: Promise<void>[] = [];
    for (const s of this.sessions.values()) {
      for (const p of s.participants.values()) if (!p.ended) ends.push(p.end("disconnect"));
    }
    await Promise.allSettled(ends);
    await Promise.allSettled([...this.sessions.values()].map((s) => s.events.flush()));
  }

  /** Whether any held session's writes are failing, and how many events wait to be written. */
  storeBacklog(): { degraded: boolean; pendingWrites: number; error?: string } {
    let degraded = false, pendingWrites = 0, error: string | undefined;
    for (const s of this.sessions.values()) {
      const st = s.events.storeState;
      if (st.degraded) {
        degraded = true;
        error ??= st.error;
      }
      pendingWrites += st.pendingWrites;
    }
    return { degraded, pendingWrites, ...(error ? { error } : {}) };
  }

  /** Drops idle sessions from memory (they stay in the store); returns how many. */
  sweep(now = Date.now()): number {
    let n = 0;
    for (const [id, s] of this.sessions) {
      if (
        s.activeCount === 0 && s.events.listenerCount === 0 && s.events.pendingWrites === 0 &&
        now - s.lastActivity > this.idleMs
      ) {
        s.events.close();
        this.sessions.delete(id);
        n++;
      }
    }
    return n;
  }

  /** Stops the claim heartbeat and closes the held logs. */
  close(): void {
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    this.#offErasure?.();
    for (const s of this.sessions.values()) s.events.close();
  }
}
