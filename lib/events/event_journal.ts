/**
 * Durable copy of a session's events: one JSON line per event in `<dir>/<sessionId>.jsonl`,
 * appended in batches (at most `flushMs` behind). A server restarted with the same folder
 * restores each session's history and `seq` counter from it, so subscribers resume with `since`
 * across restarts and recorded calls are never lost.
 */
import type { SessionEvent } from "../protocol/events.ts";

/** Options for {@linkcode EventJournal}. */
export interface EventJournalOptions {
  /** Longest an event waits in memory before it is written, in ms. Default 200. */
  flushMs?: number;
}

/** Appends a session's events to its journal file. */
export class EventJournal {
  readonly path: string;
  readonly flushMs: number;
  #pending: string[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> = Promise.resolve();
  #failed?: Error;

  constructor(dir: string, sessionId: string, options: EventJournalOptions = {}) {
    this.path = `${dir}/${sessionId}.jsonl`;
    this.flushMs = options.flushMs ?? 200;
    if (!(this.flushMs >= 0)) throw new RangeError("flushMs must be ≥ 0");
  }

  /** The last `limit` events of a journal, oldest first; empty when there is none. Lines that do not parse are skipped. */
  static readTail(dir: string, sessionId: string, limit: number): SessionEvent[] {
    let text: string;
    try {
      text = Deno.readTextFileSync(`${dir}/${sessionId}.jsonl`);
    } catch {
      return [];
    }
    const lines = text.split("\n");
    const out: SessionEvent[] = [];
    for (let i = lines.length - 1; i >= 0 && out.length < limit; i--) {
      if (!lines[i]) continue;
      try {
        out.push(JSON.parse(lines[i]));
      } catch {
        // A line cut by a crash mid-write: the events before it are still good.
      }
    }
    return out.reverse();
  }

  /** Queues one event for writing. */
  append(event: SessionEvent): void {
    this.#pending.push(JSON.stringify(event));
    this.#timer ??= setTimeout(() => void this.flush(), this.flushMs);
  }

  /** Writes everything queued; resolves when it is on disk. Throws if writing failed. */
  flush(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const lines = this.#pending.splice(0);
    if (lines.length) {
      this.#writing = this.#writing.then(() =>
        Deno.writeTextFile(this.path, lines.join("\n") + "\n", { append: true }).catch((err) => {
          this.#failed = err;
        })
      );
    }
    return this.#writing.then(() => {
      if (this.#failed) throw this.#failed;
    });
  }
}
