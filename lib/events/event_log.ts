/**
 * A session's ordered, bounded event history. Every published event gets the next `seq`;
 * the last `capacity` events are kept so a subscriber that reconnects with `since` receives
 * what it missed. Subscribers are plain callbacks: the log never waits for them, so a slow
 * subscriber is the transport's to bound (see lib/transport/events_socket.ts).
 */
import type { EventBody, SessionEvent } from "../protocol/events.ts";

/** Options for {@linkcode EventLog}. */
export interface EventLogOptions {
  /** Events kept for `since` replay. Default 10,000. */
  capacity?: number;
  /** Events of an earlier run of this session (oldest first): history and seq continue from them. */
  restore?: SessionEvent[];
  /** Receives every published event after it is stamped (e.g. an EventJournal). */
  sink?: (event: SessionEvent) => void;
}

/** Receives every event published after it subscribed. */
export type EventListener = (event: SessionEvent) => void;

/** Ordered history with fan-out. */
export class EventLog {
  readonly capacity: number;
  #ring: (SessionEvent | undefined)[];
  #nextSeq = 1;
  #listeners = new Set<EventListener>();
  #sink?: (event: SessionEvent) => void;
  /** Lowest seq held after a restore (events before it were not restored). */
  #restoredFrom: number;

  constructor(readonly sessionId: string, options: EventLogOptions = {}) {
    this.capacity = options.capacity ?? 10_000;
    if (!Number.isInteger(this.capacity) || this.capacity < 1) throw new RangeError("capacity must be an integer ≥ 1");
    this.#ring = new Array(this.capacity);
    this.#sink = options.sink;
    for (const e of options.restore ?? []) {
      if (!(e.seq >= this.#nextSeq)) continue; // out of order or duplicate lines are ignored
      this.#ring[e.seq % this.capacity] = e;
      this.#nextSeq = e.seq + 1;
    }
    this.#restoredFrom = options.restore?.length ? options.restore[0].seq : this.#nextSeq;
  }

  /** seq of the last published event (0 when none). */
  get lastSeq(): number {
    return this.#nextSeq - 1;
  }

  /** Oldest seq still held (lastSeq + 1 when empty). */
  get oldestSeq(): number {
    return Math.max(1, this.#restoredFrom, this.#nextSeq - this.capacity);
  }

  /** Number of current listeners. */
  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** Stamps an event with seq and wall time, stores it and hands it to every listener. */
  publish(body: EventBody): SessionEvent {
    const seq = this.#nextSeq++;
    const event = { ...body, seq, sessionId: this.sessionId, wallMs: Date.now() } as SessionEvent;
    this.#ring[seq % this.capacity] = event;
    this.#sink?.(event);
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch {
        // A listener's failure is its own; it never stops publication to the others.
      }
    }
    return event;
  }

  /** Events with seq > `since` still held, in order. */
  since(since: number): SessionEvent[] {
    const out: SessionEvent[] = [];
    for (let s = Math.max(since + 1, this.oldestSeq); s <= this.lastSeq; s++) out.push(this.#ring[s % this.capacity]!);
    return out;
  }

  /**
   * Replays events after `since`, then delivers new ones, with no gap or duplicate in between
   * (publication is synchronous, so nothing can interleave). Returns an unsubscribe function and
   * whether events between `since` and the oldest held one were already dropped.
   */
  subscribe(since: number, listener: EventListener): { unsubscribe: () => void; gap: boolean } {
    const gap = since + 1 < this.oldestSeq;
    for (const e of this.since(since)) listener(e);
    this.#listeners.add(listener);
    return { unsubscribe: () => this.#listeners.delete(listener), gap };
  }
}
