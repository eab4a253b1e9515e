/**
 * The storage interface every engine implements: sessions, the participant registry, each
 * session's ordered event log (append with an assigned `seq`, read since, wait for new events),
 * the shared conversation turns, erasure and retention. The embedded default is SQLite
 * (`sqlite_store.ts`); Redis (`redis_store.ts`) serves several instances. Both run the same
 * contract test suite (`store_contract.ts`).
 *
 * Rules every implementation keeps:
 * - `append` resolves only once the events are durable in the engine; only then may anyone
 *   receive them. `seq` is strictly increasing per session, across every instance sharing the
 *   engine, and is never reused (not after a crash, not after erasure of some events).
 * - `read` returns committed events with seq > since, oldest first, at most `limit`.
 * - Erasure removes the data from the engine's files (not just marks it), and reports what went.
 * - Nothing here knows about HTTP, WebSockets or tokens.
 */
import type { EventBody, SessionEvent } from "../protocol/events.ts";

/** Which engine holds the data. */
export type StoreEngine = "sqlite" | "redis" | "memory";

/** A participant as the registry holds it. */
export interface ParticipantRecord {
  participantId: string;
  name?: string;
  /** Whether consent was given (by `hello` or by the ingest token). */
  consent: boolean;
  joinedWallMs: number;
  leftWallMs?: number;
}

/** A session's summary. */
export interface SessionRecord {
  sessionId: string;
  createdWallMs: number;
  lastActivityWallMs: number;
  lastSeq: number;
  participants: ParticipantRecord[];
}

/** One committed turn of a session's conversation (the text model's context). */
export interface TurnRecord {
  participantId: string;
  speaker: string;
  text: string;
  wallMs: number;
}

/** What an erasure removed. */
export interface ErasureReport {
  sessionId: string;
  participantId?: string;
  /** Events deleted. */
  events: number;
  /** Participant records deleted. */
  participants: number;
  /** Conversation turns deleted. */
  turns: number;
  /** 1 when the whole session was deleted. */
  sessions: number;
}

/** What a retention pass removed. */
export interface RetentionReport {
  sessions: number;
  events: number;
}

/** An erasure done through the store (possibly by another instance sharing the engine). */
export interface ErasureNotice {
  sessionId: string;
  /** Only this participant was erased; absent: the whole session. */
  participantId?: string;
}

/** Health of the engine behind the store. */
export interface StoreHealth {
  engine: StoreEngine;
  status: "ok" | "degraded";
  /** Last failure, when degraded. Never contains event content. */
  error?: string;
  /** Events accepted but not yet durable (degraded mode). */
  pendingWrites?: number;
}

/** The store. Every method may reject with a {@linkcode StoreError}. */
export interface Store {
  readonly engine: StoreEngine;

  /** Creates a session; `created` is false when it already existed. */
  createSession(sessionId: string, wallMs?: number): Promise<{ created: boolean }>;
  /** Whether the session exists. */
  hasSession(sessionId: string): Promise<boolean>;
  /** Every session with its participants. */
  listSessions(): Promise<SessionRecord[]>;

  /** Inserts or updates a participant record (the session must exist). */
  putParticipant(sessionId: string, record: ParticipantRecord): Promise<void>;
  /**
   * Claims a participant id for one live connection on `instanceId` for `ttlMs`; false when
   * another live claim holds it. A claim not renewed within its TTL lapses (a dead instance's
   * participants are released).
   */
  claimParticipant(sessionId: string, participantId: string, instanceId: string, ttlMs: number): Promise<boolean>;
  /** Renews every claim `instanceId` holds (heartbeat). */
  renewClaims(instanceId: string, ttlMs: number): Promise<void>;
  /** Releases a claim (no-op when not held by `instanceId`). */
  releaseParticipant(sessionId: string, participantId: string, instanceId: string): Promise<void>;

  /** Appends events in order, stamping `seq`, `sessionId` and `wallMs`; resolves once durable. */
  append(sessionId: string, bodies: EventBody[]): Promise<SessionEvent[]>;
  /** Committed events with seq > `since`, oldest first, at most `limit`. */
  read(sessionId: string, since: number, limit: number): Promise<SessionEvent[]>;
  /** Oldest held and last committed seq (oldestSeq = lastSeq + 1 when none is held; lastSeq 0 when none ever). */
  bounds(sessionId: string): Promise<{ oldestSeq: number; lastSeq: number }>;
  /**
   * Resolves when the session has an event with seq > `afterSeq` (possibly appended by another
   * instance), when `timeoutMs` passes, or when `signal` aborts; never rejects on abort.
   */
  waitForEvents(sessionId: string, afterSeq: number, timeoutMs: number, signal?: AbortSignal): Promise<void>;

  /** Appends a committed conversation turn (bounded to the most recent `keep`). */
  appendTurn(sessionId: string, turn: TurnRecord, keep: number): Promise<void>;
  /** The most recent `n` turns, oldest first. */
  recentTurns(sessionId: string, n: number): Promise<TurnRecord[]>;

  /** Erases a session: events, participants, turns, the session record. */
  deleteSession(sessionId: string): Promise<ErasureReport>;
  /** Erases one participant: their events, record and turns. Other participants' events keep their seq. */
  deleteParticipant(sessionId: string, participantId: string): Promise<ErasureReport>;
  /** Deletes sessions whose last activity is older than `cutoffWallMs`, and events older than it. */
  applyRetention(cutoffWallMs: number): Promise<RetentionReport>;

  /**
   * Optional (engines shared by several instances): calls `listener` after another instance
   * erased something that was there (a session, or a participant's data), so instances holding
   * that session in memory erase it too. Returns the removal.
   */
  onErasure?(listener: (notice: ErasureNotice) => void): () => void;

  /** Current health (cheap, synchronous). */
  health(): StoreHealth;
  /** Flushes and closes. */
  close(): Promise<void>;
}

/** A storage failure. `recoverable` true means the operation may succeed if retried later. */
export class StoreError extends Error {
  constructor(message: string, readonly recoverable = true, options?: ErrorOptions) {
    super(message, options);
    this.name = "StoreError";
  }
}
