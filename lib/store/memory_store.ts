/**
 * The store in process memory: for tests and for runs that keep nothing (offline analysis).
 * Keeps every rule of {@linkcode Store} except durability across a restart; `seq` counters
 * survive erasure of events and participants, like the engines on disk.
 */
import type { EventBody, SessionEvent } from "../protocol/events.ts";
import type {
  ErasureReport,
  ParticipantRecord,
  RetentionReport,
  SessionRecord,
  Store,
  StoreEngine,
  StoreHealth,
  TurnRecord,
} from "./store.ts";
import { StoreError } from "./store.ts";

interface MemorySession {
  createdWallMs: number;
  lastActivityWallMs: number;
  lastSeq: number;
  events: SessionEvent[];
  participants: Map<string, ParticipantRecord>;
  turns: TurnRecord[];
  waiters: Set<() => void>;
}

/** Options for {@linkcode MemoryStore}. */
export interface MemoryStoreOptions {
  /** Wall clock in ms; injectable for tests. */
  now?: () => number;
}

/** A {@linkcode Store} held in memory. */
export class MemoryStore implements Store {
  readonly engine: StoreEngine = "memory";
  #sessions = new Map<string, MemorySession>();
  #claims = new Map<string, { instanceId: string; expiresWallMs: number }>();
  #now: () => number;
  #closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  #open(): void {
    if (this.#closed) throw new StoreError("store is closed", false);
  }

  #session(sessionId: string): MemorySession {
    const s = this.#sessions.get(sessionId);
    if (!s) throw new StoreError(`no session ${sessionId}`, false);
    return s;
  }

  async createSession(sessionId: string, wallMs = this.#now()): Promise<{ created: boolean }> {
    this.#open();
    if (this.#sessions.has(sessionId)) return Promise.resolve({ created: false });
    this.#sessions.set(sessionId, {
      createdWallMs: wallMs,
      lastActivityWallMs: wallMs,
      lastSeq: 0,
      events: [],
      participants: new Map(),
      turns: [],
      waiters: new Set(),
    });
    return Promise.resolve({ created: true });
  }

  async hasSession(sessionId: string): Promise<boolean> {
    this.#open();
    return Promise.resolve(this.#sessions.has(sessionId));
  }

  async listSessions(): Promise<SessionRecord[]> {
    this.#open();
    return Promise.resolve(
      [...this.#sessions].map(([sessionId, s]) => ({
        sessionId,
        createdWallMs: s.createdWallMs,
        lastActivityWallMs: s.lastActivityWallMs,
        lastSeq: s.lastSeq,
        participants: [...s.participants.values()].map((p) => ({ ...p })),
      })),
    );
  }

  async putParticipant(sessionId: string, record: ParticipantRecord): Promise<void> {
    this.#open();
    const s = this.#session(sessionId);
    s.participants.set(record.participantId, { ...record });
    s.lastActivityWallMs = Math.max(s.lastActivityWallMs, this.#now());
    return Promise.resolve();
  }

  async claimParticipant(sessionId: string, participantId: string, instanceId: string, ttlMs: number): Promise<boolean> {
    this.#open();
    const key = `${sessionId}\u0000${participantId}`;
    const now = this.#now();
    const held = this.#claims.get(key);
    if (held && held.instanceId !== instanceId && held.expiresWallMs > now) return Promise.resolve(false);
    this.#claims.set(key, { instanceId, expiresWallMs: now + ttlMs });
    return Promise.resolve(true);
  }

  async renewClaims(instanceId: string, ttlMs: number): Promise<void> {
    this.#open();
    const until = this.#now() + ttlMs;
    for (const c of this.#claims.values()) if (c.instanceId === instanceId) c.expiresWallMs = until;
    return Promise.resolve();
  }

  async releaseParticipant(sessionId: string, participantId: string, instanceId: string): Promise<void> {
    this.#open();
    const key = `${sessionId}\u0000${participantId}`;
    if (this.#claims.get(key)?.instanceId === instanceId) this.#claims.delete(key);
    return Promise.resolve();
  }

  async append(sessionId: string, bodies: EventBody[]): Promise<SessionEvent[]> {
    this.#open();
    const s = this.#session(sessionId);
    const wallMs = this.#now();
    const out = bodies.map((b) => ({ ...b, seq: ++s.lastSeq, sessionId, wallMs }) as SessionEvent);
    // Stored as JSON round trips, as an engine would: later mutation by a caller cannot reach them.
    for (const e of out) s.events.push(structuredClone(e));
    s.lastActivityWallMs = Math.max(s.lastActivityWallMs, wallMs);
    for (const w of [...s.waiters]) w();
    return Promise.resolve(out);
  }

  async read(sessionId: string, since: number, limit: number): Promise<SessionEvent[]> {
    this.#open();
    const s = this.#sessions.get(sessionId);
    if (!s) return Promise.resolve([]);
    // Events are held in seq order: binary search for the first seq > since.
    let lo = 0, hi = s.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s.events[mid].seq <= since) lo = mid + 1;
      else hi = mid;
    }
    return Promise.resolve(s.events.slice(lo, lo + Math.max(0, limit)).map((e) => structuredClone(e)));
  }

  async bounds(sessionId: string): Promise<{ oldestSeq: number; lastSeq: number }> {
    this.#open();
    const s = this.#sessions.get(sessionId);
    if (!s) return Promise.resolve({ oldestSeq: 1, lastSeq: 0 });
    return Promise.resolve({ oldestSeq: s.events[0]?.seq ?? s.lastSeq + 1, lastSeq: s.lastSeq });
  }

  async waitForEvents(sessionId: string, afterSeq: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const s = this.#sessions.get(sessionId);
    if (!s || s.lastSeq > afterSeq || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        s.waiters.delete(check);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const check = () => {
        if (s.lastSeq > afterSeq) done();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      s.waiters.add(check);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  async appendTurn(sessionId: string, turn: TurnRecord, keep: number): Promise<void> {
    this.#open();
    const s = this.#session(sessionId);
    s.turns.push({ ...turn });
    if (s.turns.length > keep) s.turns.splice(0, s.turns.length - keep);
    return Promise.resolve();
  }

  async recentTurns(sessionId: string, n: number): Promise<TurnRecord[]> {
    this.#open();
    const s = this.#sessions.get(sessionId);
    return Promise.resolve(s && n > 0 ? s.turns.slice(-n).map((t) => ({ ...t })) : []);
  }

  async deleteSession(sessionId: string): Promise<ErasureReport> {
    this.#open();
    const s = this.#sessions.get(sessionId);
    const report: ErasureReport = { sessionId, events: 0, participants: 0, turns: 0, sessions: 0 };
    for (const key of [...this.#claims.keys()]) if (key.startsWith(`${sessionId}\u0000`)) this.#claims.delete(key);
    if (!s) return Promise.resolve(report);
    this.#sessions.delete(sessionId);
    for (const w of [...s.waiters]) w();
    return Promise.resolve({
      ...report,
      events: s.events.length,
      participants: s.participants.size,
      turns: s.turns.length,
      sessions: 1,
    });
  }

  async deleteParticipant(sessionId: string, participantId: string): Promise<ErasureReport> {
    this.#open();
    const report: ErasureReport = { sessionId, participantId, events: 0, participants: 0, turns: 0, sessions: 0 };
    this.#claims.delete(`${sessionId}\u0000${participantId}`);
    const s = this.#sessions.get(sessionId);
    if (!s) return Promise.resolve(report);
    const keptEvents = s.events.filter((e) => e.participantId !== participantId);
    const keptTurns = s.turns.filter((t) => t.participantId !== participantId);
    report.events = s.events.length - keptEvents.length;
    report.turns = s.turns.length - keptTurns.length;
    report.participants = s.participants.delete(participantId) ? 1 : 0;
    s.events = keptEvents;
    s.turns = keptTurns;
    return Promise.resolve(report);
  }

  async applyRetention(cutoffWallMs: number): Promise<RetentionReport> {
    this.#open();
    const report: RetentionReport = { sessions: 0, events: 0 };
    for (const [id, s] of [...this.#sessions]) {
      if (s.lastActivityWallMs < cutoffWallMs) {
        report.sessions++;
        report.events += s.events.length;
        this.#sessions.delete(id);
        for (const w of [...s.waiters]) w();
        continue;
      }
      const kept = s.events.filter((e) => e.wallMs >= cutoffWallMs);
      report.events += s.events.length - kept.length;
      s.events = kept;
      s.turns = s.turns.filter((t) => t.wallMs >= cutoffWallMs);
    }
    return Promise.resolve(report);
  }

  health(): StoreHealth {
    return { engine: this.engine, status: "ok" };
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const s of this.#sessions.values()) for (const w of [...s.waiters]) w();
    return Promise.resolve();
  }
}
