/**
 * A call: its participants, its ordered event log (committed to the store before anyone
 * receives an event), its viewers, and its conversation (the text context all participants
 * share). Participants fail independently: one's error never touches another's. Ended
 * participants leave `participants` (their records stay in the store until erased).
 */
import { EventLog } from "../events/event_log.ts";
import type { StageFactory, TextStage } from "../engine/stages.ts";
import { SharedTextStage } from "../cluster/shared_text_stage.ts";
import type { Logger } from "../log/logger.ts";
import { CloseCode, ProtocolError } from "../protocol/errors.ts";
import type { EventBody, SessionEvent } from "../protocol/events.ts";
import type { SileroVad } from "../segment/silero_vad.ts";
import type { ErasureReport, Store } from "../store/store.ts";
import { interruptedUtterances } from "./interrupted_utterances.ts";
import { ParticipantStream } from "./participant.ts";
import type { ParticipantOptions } from "./participant_options.ts";

/** Options for {@linkcode Session}. */
export interface SessionOptions {
  /** Events kept in memory for `since` replay (older ones are read from the store). Default 10,000. */
  historyEvents?: number;
  /** Most participants connected at once. Default 32. */
  maxParticipants?: number;
  participant?: ParticipantOptions;
  /** Where events, participants and turns are kept; none keeps events in memory only (offline analysis). */
  store?: Store;
  /** Store `emotion.partial` events too. Default false (they are live only). */
  storePartials?: boolean;
  /** This server instance's id, for participant claims in a shared store. Default "local". */
  instanceId?: string;
  /** How long a participant claim lives without renewal, in ms. Default 30,000. */
  claimTtlMs?: number;
  /** Retry interval of failed store writes, in ms. Default 1000. */
  storeRetryMs?: number;
  /** Structured logs (no names or text). */
  logger?: Logger;
}

/** A subscriber connected to the session's events socket (shown to participants). */
export interface ViewerInfo {
  viewerId: string;
  name?: string;
  role: string;
  connectedWallMs: number;
}

/** What an erasure asks of a connected socket. */
export interface EraseNotice {
  /** Only this participant was erased; absent: the whole session. */
  participantId?: string;
}

/** A participant id held by one ingest socket until `release`. */
export interface ParticipantSlot {
  readonly participantId: string;
  release(): void;
}

/** How many of a restored session's last events are scanned for utterances a crash left open. */
const INTERRUPTED_SCAN_EVENTS = 5000;

/** Default participant claim lifetime, in ms. */
export const DEFAULT_CLAIM_TTL_MS = 30_000;

/** One session. */
export class Session {
  readonly events: EventLog;
  /** Participants streaming now (an ended participant is removed). */
  readonly participants = new Map<string, ParticipantStream>();
  /** Subscribers connected now. */
  readonly viewers = new Map<string, ViewerInfo>();
  readonly maxParticipants: number;
  lastActivity = Date.now();
  readonly #store?: Store;
  readonly #instanceId: string;
  readonly #claimTtlMs: number;
  #conversation?: TextStage & { reset?: () => void };
  #shared?: SharedTextStage;
  #slots = new Set<string>();
  #connections = new Map<string, number>();
  /** Streams whose events are dropped from now on (left, withdrawn, erased); weak, so ended streams are freed. */
  #silenced = new WeakSet<ParticipantStream>();
  #eraseListeners = new Set<(n: EraseNotice) => void>();
  #erased = false;
  #restored = false;

  constructor(
    readonly id: string,
    private readonly vad: SileroVad,
    private readonly stages: StageFactory,
    private readonly options: SessionOptions = {},
  ) {
    this.#store = options.store;
    this.#instanceId = options.instanceId ?? "local";
    this.#claimTtlMs = options.claimTtlMs ?? DEFAULT_CLAIM_TTL_MS;
    this.events = new EventLog(id, {
      capacity: options.historyEvents ?? 10_000,
      store: options.store,
      storePartials: options.storePartials,
      retryMs: options.storeRetryMs,
      onStoreState: (state, detail) =>
        options.logger?.log(state === "degraded" ? "error" : "info", `event store ${state}`, detail),
    });
    void this.events.ready.then(() => {
      this.#restored = this.events.lastSeq > 0;
      // One process owns an embedded store: utterances its crash left open are closed now. (A
      // shared engine's sessions may be live on another instance, so they are left alone.)
      if (this.#restored && options.store && options.store.engine !== "redis") void this.#closeInterrupted();
    });
    const conversation = stages.createText?.() as (TextStage & { reset?: () => void; maxContextTurns?: number }) | undefined;
    this.#conversation = conversation;
    if (conversation && options.store && conversation.reset && typeof conversation.maxContextTurns === "number") {
      this.#shared = new SharedTextStage(
        conversation as TextStage & { reset: () => void; maxContextTurns: number },
        options.store,
        id,
        { onError: (err) => options.logger?.warn("conversation store failed", { sessionId: id, error: String(err) }) },
      );
    }
    this.maxParticipants = options.maxParticipants ?? 32;
  }

  async #closeInterrupted(): Promise<void> {
    try {
      const tail = await this.events.read(Math.max(0, this.events.lastSeq - INTERRUPTED_SCAN_EVENTS), INTERRUPTED_SCAN_EVENTS);
      for (const end of interruptedUtterances(tail)) {
        if (!this.participants.has(end.participantId)) void this.events.publish(end);
      }
    } catch (err) {
      this.options.logger?.warn("could not close interrupted utterances", { sessionId: this.id, error: String(err) });
    }
  }

  /** The session's shared conversation (the text model's context), when a text model is loaded. */
  get text(): TextStage | undefined {
    return this.#conversation;
  }

  /** Whether the session was erased (its sockets are closing). */
  get erased(): boolean {
    return this.#erased;
  }

  /** Participants streaming now. */
  get activeCount(): number {
    return this.participants.size;
  }

  /**
   * Holds `participantId` for one ingest socket (before its hello): refuses with 4409 when it
   * is connected here or claimed by another instance, 4429 when the session is full.
   */
  async connect(participantId: string): Promise<ParticipantSlot> {
    if (this.#slots.has(participantId) || this.#streaming(participantId)) throw conflict(participantId);
    if (this.#slots.size >= this.maxParticipants) {
      throw new ProtocolError("limit_reached", `session holds ${this.maxParticipants} participants at most`, false, CloseCode.limitReached);
    }
    this.#slots.add(participantId);
    let claimed = true;
    if (this.#store) {
      try {
        claimed = await this.#store.claimParticipant(this.id, participantId, this.#instanceId, this.#claimTtlMs);
      } catch (err) {
        // A failing store must not stop a call: the local check above still holds on this instance.
        this.options.logger?.warn("participant claim failed", { sessionId: this.id, participantId, error: String(err) });
      }
    }
    if (!claimed) {
      this.#slots.delete(participantId);
      throw conflict(participantId);
    }
    let released = false;
    return {
      participantId,
      release: () => {
        if (released) return;
        released = true;
        this.#slots.delete(participantId);
        void this.#store?.releaseParticipant(this.id, participantId, this.#instanceId).catch(() => {});
      },
    };
  }

  /**
   * Opens a participant's stream. Throws ProtocolError if it is already streaming or the session
   * is full. `consent` is recorded with the participant.
   */
  join(participantId: string, opts: { consent?: boolean } = {}): ParticipantStream {
    if (this.#streaming(participantId)) throw conflict(participantId);
    if (this.participants.size >= this.maxParticipants) {
      throw new ProtocolError("limit_reached", `session holds ${this.maxParticipants} participants at most`, false, CloseCode.limitReached);
    }
    const ordinal = (this.#connections.get(participantId) ?? 0) + 1;
    this.#connections.set(participantId, ordinal);
    const joinedWallMs = Date.now();
    let p: ParticipantStream | undefined = undefined;
    const publish = (body: EventBody): Promise<SessionEvent> => {
      if ((p && this.#silenced.has(p)) || this.#erased) {
        return Promise.resolve({ ...body, seq: 0, sessionId: this.id, wallMs: Date.now() } as SessionEvent);
      }
      this.lastActivity = Date.now();
      if (body.type === "participant.joined") {
        this.#record({ participantId, name: body.name, consent: opts.consent ?? true, joinedWallMs });
      } else if (body.type === "participant.left" && p) {
        // Nothing more of this stream is published after it left (withdrawn consent included).
        this.#silenced.add(p);
        if (this.participants.get(participantId) === p) this.participants.delete(participantId);
        this.#record({ participantId, name: p.name, consent: opts.consent ?? true, joinedWallMs, leftWallMs: Date.now() });
      }
      return this.events.publish(body);
    };
    p = new ParticipantStream({
      sessionId: this.id,
      participantId,
      // After a restart the counter starts again, and over a shared store another instance
      // counts its own connections: a random tag keeps utterance ids unique.
      connection: this.#restored || this.#store?.engine === "redis" ? undefined : ordinal,
      vad: this.vad,
      stages: this.stages,
      text: this.#shared ? this.#shared.forParticipant(participantId) : this.#conversation,
      publish,
      options: this.options.participant,
    });
    this.participants.set(participantId, p);
    this.lastActivity = Date.now();
    return p;
  }

  /** Whether a stream of this id is still taking media (one that is only flushing is not). */
  #streaming(participantId: string): boolean {
    const p = this.participants.get(participantId);
    return p !== undefined && !p.ended;
  }

  #record(rec: { participantId: string; name?: string; consent: boolean; joinedWallMs: number; leftWallMs?: number }): void {
    if (!this.#store) return;
    const clean = Object.fromEntries(Object.entries(rec).filter(([, v]) => v !== undefined)) as typeof rec;
    this.#store.putParticipant(this.id, clean).catch((err) =>
      this.options.logger?.warn("participant record not stored", { sessionId: this.id, participantId: rec.participantId, error: String(err) })
    );
  }

  /** Lists a subscriber as a viewer until the returned function is called. */
  addViewer(info: ViewerInfo): () => void {
    this.viewers.set(info.viewerId, info);
    return () => this.viewers.delete(info.viewerId);
  }

  /** Calls `fn` when the session, or a participant of it, is erased; returns the removal. */
  onErase(fn: (notice: EraseNotice) => void): () => void {
    this.#eraseListeners.add(fn);
    return () => this.#eraseListeners.delete(fn);
  }

  /** Stops a participant at once (their later events are dropped) without publishing anything of theirs. */
  #silence(participantId: string): void {
    const p = this.participants.get(participantId);
    if (!p) return;
    this.#silenced.add(p);
    this.participants.delete(participantId);
    p.withdraw();
  }

  /**
   * Erases one participant from memory and the store: their stream is stopped, their socket
   * closed, their events, record and turns deleted. The conversation context is reset.
   */
  async eraseParticipant(participantId: string): Promise<ErasureReport> {
    this.#silence(participantId);
    for (const l of [...this.#eraseListeners]) l({ participantId });
    // Events of theirs still queued must reach the store before the delete, or they would outlive it.
    await this.events.flush();
    this.events.forgetParticipant(participantId);
    this.#conversation?.reset?.();
    const report = this.#store
      ? await this.#store.deleteParticipant(this.id, participantId)
      : { sessionId: this.id, participantId, events: 0, participants: 0, turns: 0, sessions: 0 };
    return report;
  }

  /** Erases the whole session from memory and the store; its sockets are closed. */
  async erase(): Promise<ErasureReport> {
    for (const pid of [...this.participants.keys()]) this.#silence(pid);
    this.#erased = true;
    for (const l of [...this.#eraseListeners]) l({});
    await this.events.flush();
    this.events.close();
    this.#conversation?.reset?.();
    return this.#store
      ? await this.#store.deleteSession(this.id)
      : { sessionId: this.id, events: 0, participants: 0, turns: 0, sessions: 1 };
  }
}

function conflict(participantId: string): ProtocolError {
  return new ProtocolError(
    "participant_connected",
    `participant ${participantId} is already streaming`,
    false,
    CloseCode.conflict,
  );
}
