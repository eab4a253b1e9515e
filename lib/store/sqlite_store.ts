/**
 * The embedded store: one SQLite file (Deno's built-in `node:sqlite`) in WAL mode.
 *
 * - Durability: each `append` is one transaction; it resolves after COMMIT. With WAL and
 *   `synchronous=NORMAL` (the default here) a committed transaction survives a crash of the
 *   process (kill -9); `synchronous: "full"` also survives power loss, at an fsync per batch.
 * - Erasure: `secure_delete=ON` overwrites deleted rows with zeros, and every erasure ends with
 *   `wal_checkpoint(TRUNCATE)`, so erased content is in neither the database nor its WAL file.
 * - Files are created with mode 0600 (SQLite gives the -wal and -shm files the database's mode).
 * - `seq` is kept per session in the `sessions` row, so it survives deletion of events.
 * - One process owns the file: `waitForEvents` wakes on this process's appends (and on timeout).
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { EventBody, SessionEvent } from "../protocol/events.ts";
import {
  type ErasureReport,
  type ParticipantRecord,
  type RetentionReport,
  type SessionRecord,
  type Store,
  StoreError,
  type StoreHealth,
  type TurnRecord,
} from "./store.ts";

/** Options for {@linkcode SqliteStore}. */
export interface SqliteStoreOptions {
  /** "normal" (default): survives a process crash; "full": also power loss (fsync per commit). */
  synchronous?: "normal" | "full";
  /** How long a write waits for a lock held by another connection, in ms. Default 50. */
  busyTimeoutMs?: number;
  /** Wall clock in ms; injectable for tests. */
  now?: () => number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  session_id TEXT PRIMARY KEY,
  created_ms INTEGER NOT NULL,
  last_activity_ms INTEGER NOT NULL,
  last_seq INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS participants (
  session_id TEXT NOT NULL,
  participant_id TEXT NOT NULL,
  name TEXT,
  consent INTEGER NOT NULL,
  joined_ms INTEGER NOT NULL,
  left_ms INTEGER,
  PRIMARY KEY (session_id, participant_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS claims (
  session_id TEXT NOT NULL,
  participant_id TEXT NOT NULL,
  instance_id TEXT NOT NULL,
  expires_ms INTEGER NOT NULL,
  PRIMARY KEY (session_id, participant_id)
) WITHOUT ROWID;
-- A rowid table: event rows are about 1 KB, which WITHOUT ROWID stores badly (4x slower inserts measured).
CREATE TABLE IF NOT EXISTS events (
  session_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  participant_id TEXT,
  wall_ms INTEGER NOT NULL,
  body TEXT NOT NULL,
  UNIQUE (session_id, seq)
);
CREATE INDEX IF NOT EXISTS events_by_participant ON events (session_id, participant_id);
CREATE INDEX IF NOT EXISTS events_by_time ON events (wall_ms);
CREATE TABLE IF NOT EXISTS turns (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL,
  participant_id TEXT NOT NULL,
  speaker TEXT NOT NULL,
  text TEXT NOT NULL,
  wall_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_by_session ON turns (session_id, id);
`;

/** A {@linkcode Store} in one SQLite database file. */
export class SqliteStore implements Store {
  readonly engine = "sqlite" as const;
  readonly path: string;
  #db: DatabaseSync;
  #now: () => number;
  #waiters = new Map<string, Set<() => void>>();
  #failure?: string;
  #closed = false;
  #q: Record<string, StatementSync>;
  #appends: {
    sessionId: string;
    bodies: EventBody[];
    resolve: (e: SessionEvent[]) => void;
    reject: (err: unknown) => void;
  }[] = [];

  /** Opens (creating if needed) the database at `path`. Throws StoreError when it cannot. */
  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.path = path;
    this.#now = options.now ?? Date.now;
    try {
      if (path !== ":memory:") createPrivate(path);
      this.#db = new DatabaseSync(path);
      this.#db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.round(options.busyTimeoutMs ?? 50))}`);
      this.#db.exec("PRAGMA journal_mode = WAL");
      this.#db.exec(`PRAGMA synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`);
      this.#db.exec("PRAGMA secure_delete = ON");
      this.#db.exec("PRAGMA foreign_keys = OFF");
      this.#db.exec(SCHEMA);
    } catch (err) {
      throw new StoreError(`cannot open ${path}: ${(err as Error).message}`, false, { cause: err });
    }
    if (path !== ":memory:") for (const suffix of ["", "-wal", "-shm"]) chmodPrivate(path + suffix);
    const p = (sql: string) => this.#db.prepare(sql);
    this.#q = {
      createSession: p("INSERT OR IGNORE INTO sessions (session_id, created_ms, last_activity_ms) VALUES (?, ?, ?)"),
      hasSession: p("SELECT 1 AS x FROM sessions WHERE session_id = ?"),
      sessions: p("SELECT * FROM sessions ORDER BY created_ms, session_id"),
      participantsOf: p("SELECT * FROM participants WHERE session_id = ? ORDER BY joined_ms, participant_id"),
      putParticipant: p(
        "INSERT INTO participants (session_id, participant_id, name, consent, joined_ms, left_ms) VALUES (?, ?, ?, ?, ?, ?) " +
          "ON CONFLICT (session_id, participant_id) DO UPDATE SET name = excluded.name, consent = excluded.consent, " +
          "joined_ms = excluded.joined_ms, left_ms = excluded.left_ms",
      ),
      touch: p("UPDATE sessions SET last_activity_ms = max(last_activity_ms, ?) WHERE session_id = ?"),
      claimGet: p("SELECT instance_id, expires_ms FROM claims WHERE session_id = ? AND participant_id = ?"),
      claimPut: p(
        "INSERT INTO claims (session_id, participant_id, instance_id, expires_ms) VALUES (?, ?, ?, ?) " +
          "ON CONFLICT (session_id, participant_id) DO UPDATE SET instance_id = excluded.instance_id, expires_ms = excluded.expires_ms",
      ),
      renew: p("UPDATE claims SET expires_ms = ? WHERE instance_id = ?"),
      release: p("DELETE FROM claims WHERE session_id = ? AND participant_id = ? AND instance_id = ?"),
      lastSeq: p("SELECT last_seq FROM sessions WHERE session_id = ?"),
      setSeq: p("UPDATE sessions SET last_seq = ?, last_activity_ms = max(last_activity_ms, ?) WHERE session_id = ?"),
      insertEvent: p("INSERT INTO events (session_id, seq, participant_id, wall_ms, body) VALUES (?, ?, ?, ?, ?)"),
      read: p("SELECT body FROM events WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?"),
      oldest: p("SELECT min(seq) AS s FROM events WHERE session_id = ?"),
      insertTurn: p("INSERT INTO turns (session_id, participant_id, speaker, text, wall_ms) VALUES (?, ?, ?, ?, ?)"),
      trimTurns: p(
        "DELETE FROM turns WHERE session_id = ? AND id NOT IN (SELECT id FROM turns WHERE session_id = ? ORDER BY id DESC LIMIT ?)",
      ),
      recentTurns: p("SELECT * FROM (SELECT * FROM turns WHERE session_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id"),
      delSessionEvents: p("DELETE FROM events WHERE session_id = ?"),
      delSessionParticipants: p("DELETE FROM participants WHERE session_id = ?"),
      delSessionTurns: p("DELETE FROM turns WHERE session_id = ?"),
      delSessionClaims: p("DELETE FROM claims WHERE session_id = ?"),
      delSession: p("DELETE FROM sessions WHERE session_id = ?"),
      delPEvents: p("DELETE FROM events WHERE session_id = ? AND participant_id = ?"),
      delPRecord: p("DELETE FROM participants WHERE session_id = ? AND participant_id = ?"),
      delPTurns: p("DELETE FROM turns WHERE session_id = ? AND participant_id = ?"),
      delPClaim: p("DELETE FROM claims WHERE session_id = ? AND participant_id = ?"),
      staleSessions: p("SELECT session_id FROM sessions WHERE last_activity_ms < ?"),
      delOldEvents: p("DELETE FROM events WHERE wall_ms < ?"),
      delOldTurns: p("DELETE FROM turns WHERE wall_ms < ?"),
    };
  }

  /** Runs `fn` in one transaction; failures become StoreError and mark the store degraded. */
  #tx<T>(what: string, fn: () => T): T {
    if (this.#closed) throw new StoreError("store is closed", false);
    try {
      this.#db.exec("BEGIN IMMEDIATE");
      let out: T;
      try {
        out = fn();
        this.#db.exec("COMMIT");
      } catch (err) {
        try {
          this.#db.exec("ROLLBACK");
        } catch {
          // The failed statement may have rolled back already.
        }
        throw err;
      }
      this.#failure = undefined;
      return out;
    } catch (err) {
      if (err instanceof StoreError) throw err; // the caller's mistake (no such session), not the engine's
      this.#failure = `${what}: ${(err as Error).message}`;
      throw new StoreError(this.#failure, true, { cause: err });
    }
  }

  #get<T>(fn: () => T): T {
    if (this.#closed) throw new StoreError("store is closed", false);
    try {
      return fn();
    } catch (err) {
      throw new StoreError((err as Error).message, true, { cause: err });
    }
  }

  /** Truncates the WAL so erased rows leave no copy there. */
  #checkpoint(): void {
    try {
      this.#db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch (err) {
      throw new StoreError(`checkpoint: ${(err as Error).message}`, true, { cause: err });
    }
  }

  async createSession(sessionId: string, wallMs = this.#now()): Promise<{ created: boolean }> {
    return Promise.resolve(this.#tx("createSession", () => {
      const r = this.#q.createSession.run(sessionId, wallMs, wallMs);
      return { created: Number(r.changes) > 0 };
    }));
  }

  async hasSession(sessionId: string): Promise<boolean> {
    return Promise.resolve(this.#get(() => this.#q.hasSession.get(sessionId) !== undefined));
  }

  async listSessions(): Promise<SessionRecord[]> {
    return Promise.resolve(this.#get(() =>
      this.#q.sessions.all().map((row) => {
        const r = row as { session_id: string; created_ms: number; last_activity_ms: number; last_seq: number };
        return {
          sessionId: r.session_id,
          createdWallMs: Number(r.created_ms),
          lastActivityWallMs: Number(r.last_activity_ms),
          lastSeq: Number(r.last_seq),
          participants: this.#q.participantsOf.all(r.session_id).map((p) => toParticipant(p as unknown as ParticipantRow)),
        };
      })
    ));
  }

  async putParticipant(sessionId: string, record: ParticipantRecord): Promise<void> {
    this.#tx("putParticipant", () => {
      if (this.#q.hasSession.get(sessionId) === undefined) throw new StoreError(`no session ${sessionId}`, false);
      this.#q.putParticipant.run(
        sessionId,
        record.participantId,
        record.name ?? null,
        record.consent ? 1 : 0,
        record.joinedWallMs,
        record.leftWallMs ?? null,
      );
      this.#q.touch.run(this.#now(), sessionId);
    });
    return Promise.resolve();
  }

  async claimParticipant(sessionId: string, participantId: string, instanceId: string, ttlMs: number): Promise<boolean> {
    return Promise.resolve(this.#tx("claimParticipant", () => {
      const now = this.#now();
      const held = this.#q.claimGet.get(sessionId, participantId) as
        | { instance_id: string; expires_ms: number }
        | undefined;
      if (held && held.instance_id !== instanceId && Number(held.expires_ms) > now) return false;
      this.#q.claimPut.run(sessionId, participantId, instanceId, now + ttlMs);
      return true;
    }));
  }

  async renewClaims(instanceId: string, ttlMs: number): Promise<void> {
    this.#tx("renewClaims", () => this.#q.renew.run(this.#now() + ttlMs, instanceId));
    return Promise.resolve();
  }

  async releaseParticipant(sessionId: string, participantId: string, instanceId: string): Promise<void> {
    this.#tx("releaseParticipant", () => this.#q.release.run(sessionId, participantId, instanceId));
    return Promise.resolve();
  }

  /**
   * Appends in the same tick are committed together (group commit): one transaction for every
   * session's pending batch, so a busy server pays one commit per tick, not one per session.
   */
  append(sessionId: string, bodies: EventBody[]): Promise<SessionEvent[]> {
    if (this.#closed) return Promise.reject(new StoreError("store is closed", false));
    return new Promise((resolve, reject) => {
      this.#appends.push({ sessionId, bodies, resolve, reject });
      if (this.#appends.length === 1) queueMicrotask(() => this.#commitAppends());
    });
  }

  #commitAppends(): void {
    const batch = this.#appends.splice(0);
    const results: (SessionEvent[] | StoreError)[] = [];
    try {
      this.#tx("append", () => {
        const wallMs = this.#now();
        for (const a of batch) {
          const row = this.#q.lastSeq.get(a.sessionId) as { last_seq: number } | undefined;
          if (!row) {
            results.push(new StoreError(`no session ${a.sessionId}`, false));
            continue;
          }
          let seq = Number(row.last_seq);
          const events = a.bodies.map((b) => ({ ...b, seq: ++seq, sessionId: a.sessionId, wallMs }) as SessionEvent);
          for (const e of events) {
            this.#q.insertEvent.run(a.sessionId, e.seq, e.participantId ?? null, wallMs, JSON.stringify(e));
          }
          if (events.length) this.#q.setSeq.run(seq, wallMs, a.sessionId);
          results.push(events);
        }
      });
    } catch (err) {
      for (const a of batch) a.reject(err);
      return;
    }
    batch.forEach((a, i) => {
      const r = results[i];
      if (r instanceof StoreError) a.reject(r);
      else a.resolve(r);
    });
    for (const id of new Set(batch.map((a) => a.sessionId))) for (const w of [...this.#waiters.get(id) ?? []]) w();
  }

  async read(sessionId: string, since: number, limit: number): Promise<SessionEvent[]> {
    return Promise.resolve(this.#get(() =>
      this.#q.read.all(sessionId, since, Math.max(0, Math.floor(limit))).map((r) =>
        JSON.parse((r as { body: string }).body) as SessionEvent
      )
    ));
  }

  async bounds(sessionId: string): Promise<{ oldestSeq: number; lastSeq: number }> {
    return Promise.resolve(this.#get(() => {
      const last = this.#q.lastSeq.get(sessionId) as { last_seq: number } | undefined;
      const lastSeq = last ? Number(last.last_seq) : 0;
      const oldest = (this.#q.oldest.get(sessionId) as { s: number | null } | undefined)?.s;
      return { oldestSeq: oldest == null ? lastSeq + 1 : Number(oldest), lastSeq };
    }));
  }

  async waitForEvents(sessionId: string, afterSeq: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    let lastSeq = 0;
    try {
      lastSeq = Number((this.#q.lastSeq.get(sessionId) as { last_seq: number } | undefined)?.last_seq ?? 0);
    } catch {
      // A failing read waits out the timeout; the caller reads again then.
    }
    if (lastSeq > afterSeq || signal?.aborted || this.#closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let set = this.#waiters.get(sessionId);
      if (!set) this.#waiters.set(sessionId, set = new Set());
      const done = () => {
        clearTimeout(timer);
        set!.delete(done);
        if (set!.size === 0) this.#waiters.delete(sessionId);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      set.add(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  async appendTurn(sessionId: string, turn: TurnRecord, keep: number): Promise<void> {
    this.#tx("appendTurn", () => {
      this.#q.insertTurn.run(sessionId, turn.participantId, turn.speaker, turn.text, turn.wallMs);
      this.#q.trimTurns.run(sessionId, sessionId, Math.max(0, keep));
    });
    return Promise.resolve();
  }

  async recentTurns(sessionId: string, n: number): Promise<TurnRecord[]> {
    return Promise.resolve(this.#get(() =>
      this.#q.recentTurns.all(sessionId, Math.max(0, n)).map((row) => {
        const r = row as { participant_id: string; speaker: string; text: string; wall_ms: number };
        return { participantId: r.participant_id, speaker: r.speaker, text: r.text, wallMs: Number(r.wall_ms) };
      })
    ));
  }

  async deleteSession(sessionId: string): Promise<ErasureReport> {
    const report = this.#tx("deleteSession", () => ({
      sessionId,
      events: Number(this.#q.delSessionEvents.run(sessionId).changes),
      participants: Number(this.#q.delSessionParticipants.run(sessionId).changes),
      turns: Number(this.#q.delSessionTurns.run(sessionId).changes),
      sessions: (this.#q.delSessionClaims.run(sessionId), Number(this.#q.delSession.run(sessionId).changes)),
    }));
    this.#checkpoint();
    for (const w of [...this.#waiters.get(sessionId) ?? []]) w();
    return Promise.resolve(report);
  }

  async deleteParticipant(sessionId: string, participantId: string): Promise<ErasureReport> {
    const report = this.#tx("deleteParticipant", () => ({
      sessionId,
      participantId,
      events: Number(this.#q.delPEvents.run(sessionId, participantId).changes),
      participants: Number(this.#q.delPRecord.run(sessionId, participantId).changes),
      turns: Number(this.#q.delPTurns.run(sessionId, participantId).changes),
      sessions: (this.#q.delPClaim.run(sessionId, participantId), 0),
    }));
    this.#checkpoint();
    return Promise.resolve(report);
  }

  async applyRetention(cutoffWallMs: number): Promise<RetentionReport> {
    const report = this.#tx("applyRetention", () => {
      const stale = this.#q.staleSessions.all(cutoffWallMs).map((r) => (r as { session_id: string }).session_id);
      let events = 0;
      for (const id of stale) {
        events += Number(this.#q.delSessionEvents.run(id).changes);
        this.#q.delSessionParticipants.run(id);
        this.#q.delSessionTurns.run(id);
        this.#q.delSessionClaims.run(id);
        this.#q.delSession.run(id);
      }
      events += Number(this.#q.delOldEvents.run(cutoffWallMs).changes);
      this.#q.delOldTurns.run(cutoffWallMs);
      return { sessions: stale.length, events };
    });
    if (report.sessions || report.events) this.#checkpoint();
    return Promise.resolve(report);
  }

  health(): StoreHealth {
    return this.#failure ? { engine: this.engine, status: "degraded", error: this.#failure } : { engine: this.engine, status: "ok" };
  }

  async close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const set of this.#waiters.values()) for (const w of [...set]) w();
    try {
      this.#db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch {
      // Closing still releases the file; the WAL is replayed on next open.
    }
    this.#db.close();
    return Promise.resolve();
  }
}

interface ParticipantRow {
  participant_id: string;
  name: string | null;
  consent: number;
  joined_ms: number;
  left_ms: number | null;
}

function toParticipant(r: ParticipantRow): ParticipantRecord {
  return {
    participantId: r.participant_id,
    ...(r.name != null ? { name: r.name } : {}),
    consent: Number(r.consent) === 1,
    joinedWallMs: Number(r.joined_ms),
    ...(r.left_ms != null ? { leftWallMs: Number(r.left_ms) } : {}),
  };
}

/** Creates `path` with mode 0600 if it does not exist yet (SQLite then gives its -wal and -shm the same mode). */
function createPrivate(path: string): void {
  try {
    Deno.openSync(path, { createNew: true, write: true, mode: 0o600 }).close();
  } catch (err) {
    if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
  }
}

function chmodPrivate(path: string): void {
  try {
    Deno.chmodSync(path, 0o600);
  } catch {
    // Absent (no -shm yet) or not ours to change: nothing to tighten.
  }
}
