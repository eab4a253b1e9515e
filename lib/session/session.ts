/**
 * A call: its participants, its ordered event log, and its conversation (the text context all
 * participants share). Participants fail independently: one's error never touches another's.
 */
import { EventJournal } from "../events/event_journal.ts";
import { EventLog } from "../events/event_log.ts";
import type { StageFactory, TextStage } from "../engine/stages.ts";
import { CloseCode, ProtocolError } from "../protocol/errors.ts";
import type { SileroVad } from "../segment/silero_vad.ts";
import { ParticipantStream } from "./participant.ts";
import type { ParticipantOptions } from "./participant_options.ts";

/** Options for {@linkcode Session}. */
export interface SessionOptions {
  /** Events kept for `since` replay. Default 10,000. */
  historyEvents?: number;
  /** Folder of event journals (`<sessionId>.jsonl`); none keeps events in memory only. */
  journalDir?: string;
  /** Most participants connected at once. Default 32. */
  maxParticipants?: number;
  participant?: ParticipantOptions;
}

/** One session. */
export class Session {
  readonly events: EventLog;
  /** Durable copy of the events, when a journal folder is configured. */
  readonly journal?: EventJournal;
  readonly participants = new Map<string, ParticipantStream>();
  readonly text?: TextStage;
  readonly maxParticipants: number;
  lastActivity = Date.now();

  constructor(
    readonly id: string,
    private readonly vad: SileroVad,
    private readonly stages: StageFactory,
    private readonly options: SessionOptions = {},
  ) {
    const capacity = options.historyEvents ?? 10_000;
    if (options.journalDir) {
      const journal = new EventJournal(options.journalDir, id);
      this.journal = journal;
      this.events = new EventLog(id, {
        capacity,
        restore: EventJournal.readTail(options.journalDir, id, capacity),
        sink: (e) => journal.append(e),
      });
    } else {
      this.events = new EventLog(id, { capacity });
    }
    this.text = stages.createText?.();
    this.maxParticipants = options.maxParticipants ?? 32;
  }

  /** Opens a participant's stream. Throws ProtocolError if it is already connected or the session is full. */
  join(participantId: string): ParticipantStream {
    const existing = this.participants.get(participantId);
    if (existing && !existing.ended) {
      throw new ProtocolError(
        "participant_connected",
        `participant ${participantId} is already streaming`,
        false,
        CloseCode.conflict,
      );
    }
    const active = [...this.participants.values()].filter((p) => !p.ended).length;
    if (active >= this.maxParticipants) {
      throw new ProtocolError(
        "limit_reached",
        `session holds ${this.maxParticipants} participants at most`,
        false,
        CloseCode.limitReached,
      );
    }
    const p = new ParticipantStream({
      sessionId: this.id,
      participantId,
      vad: this.vad,
      stages: this.stages,
      text: this.text,
      publish: (body) => {
        this.lastActivity = Date.now();
        return this.events.publish(body);
      },
      options: this.options.participant,
    });
    this.participants.set(participantId, p);
    this.lastActivity = Date.now();
    return p;
  }

  /** Participants still streaming. */
  get activeCount(): number {
    return [...this.participants.values()].filter((p) => !p.ended).length;
  }
}
