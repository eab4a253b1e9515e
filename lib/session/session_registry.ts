/**
 * All sessions of a server. Sessions are created on first use and removed once idle with no
 * participant and no subscriber for `idleMs`, so memory is bounded over days of calls.
 */
import type { StageFactory } from "../engine/stages.ts";
import { CloseCode, ProtocolError } from "../protocol/errors.ts";
import { validateId } from "../protocol/ids.ts";
import type { SileroVad } from "../segment/silero_vad.ts";
import { resolveParticipantOptions } from "./participant_options.ts";
import { Session, type SessionOptions } from "./session.ts";

/** Options for {@linkcode SessionRegistry}. */
export interface SessionRegistryOptions {
  /** Most sessions held at once. Default 256. */
  maxSessions?: number;
  /** A session with no participant or subscriber for this long is dropped, in ms. Default 30 min. */
  idleMs?: number;
  session?: SessionOptions;
}

/** Creates, finds and expires sessions. */
export class SessionRegistry {
  readonly sessions = new Map<string, Session>();
  readonly maxSessions: number;
  readonly idleMs: number;

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
  }

  /** The session with this id, created if needed. Throws ProtocolError for a bad id or when full. */
  get(id: string): Session {
    validateId("session", id);
    let s = this.sessions.get(id);
    if (s) return s;
    this.sweep();
    if (this.sessions.size >= this.maxSessions) {
      throw new ProtocolError("limit_reached", `server holds ${this.maxSessions} sessions at most`, false, CloseCode.limitReached);
    }
    s = new Session(id, this.vad, this.stages, this.options.session);
    this.sessions.set(id, s);
    return s;
  }

  /** Flushes every participant still streaming (server shutdown): their last utterances are analysed and published. */
  async endAll(): Promise<void> {
    const ends: Promise<void>[] = [];
    for (const s of this.sessions.values()) {
      for (const p of s.participants.values()) if (!p.ended) ends.push(p.end("disconnect"));
    }
    await Promise.allSettled(ends);
    await Promise.allSettled([...this.sessions.values()].map((s) => s.journal?.flush()));
  }

  /** Drops idle sessions; returns how many. */
  sweep(now = Date.now()): number {
    let n = 0;
    for (const [id, s] of this.sessions) {
      if (s.activeCount === 0 && s.events.listenerCount === 0 && now - s.lastActivity > this.idleMs) {
        void s.journal?.flush().catch(() => {});
        this.sessions.delete(id);
        n++;
      }
    }
    return n;
  }
}
