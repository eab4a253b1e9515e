/**
 * Blocking reads for {@linkcode RedisStore.waitForEvents}: one dedicated connection per process
 * runs a single `XREAD BLOCK` over every stream someone on this instance waits on, so the
 * number of Redis connections does not grow with subscribers. When a waiter needs a stream (or
 * an earlier id) the current XREAD does not cover, the control connection interrupts it with
 * `CLIENT UNBLOCK` and the loop re-issues it with the new set. Appends made by this instance
 * wake local waiters directly, without the round trip.
 */
import type { Redis } from "ioredis";

/** Longest single XREAD BLOCK, in ms; the loop re-issues it, so this only bounds staleness of a lost wake-up. */
const BLOCK_MS = 5_000;
/** Pause after a failed XREAD (Redis away), in ms. */
const RETRY_MS = 250;

interface Waiter {
  afterSeq: number;
  done: () => void;
}

/** Multiplexes waits for new events over one blocking connection. */
export class RedisStreamWatcher {
  #waiters = new Map<string, Set<Waiter>>();
  /** Stream key → id the in-flight XREAD waits after (undefined when not blocked). */
  #blockedOn?: Map<string, number>;
  #blockingId?: number;
  #wake?: () => void;
  #running = true;
  #loopDone: Promise<void>;

  constructor(
    private readonly blocking: Redis,
    private readonly control: Redis,
    private readonly streamKey: (sessionId: string) => string,
  ) {
    const fetchId = () => {
      blocking.client("ID").then((id) => this.#blockingId = Number(id), () => this.#blockingId = undefined);
    };
    blocking.on("ready", fetchId);
    if (blocking.status === "ready") fetchId();
    this.#loopDone = this.#loop();
  }

  /** Waiters currently registered (all sessions). */
  get size(): number {
    let n = 0;
    for (const s of this.#waiters.values()) n += s.size;
    return n;
  }

  /** Resolves when an event with seq > afterSeq exists in the session, on timeout, or on abort. */
  wait(sessionId: string, afterSeq: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (!this.#running || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let set = this.#waiters.get(sessionId);
      if (!set) this.#waiters.set(sessionId, set = new Set());
      const waiter: Waiter = {
        afterSeq,
        done: () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", waiter.done);
          const s = this.#waiters.get(sessionId);
          s?.delete(waiter);
          if (s?.size === 0) this.#waiters.delete(sessionId);
          resolve();
        },
      };
      const timer = setTimeout(waiter.done, Math.max(0, timeoutMs));
      signal?.addEventListener("abort", waiter.done, { once: true });
      set.add(waiter);
      this.#needs(this.streamKey(sessionId), afterSeq);
    });
  }

  /** Wakes local waiters of a session whose afterSeq is below `lastSeq`. */
  notify(sessionId: string, lastSeq: number): void {
    const set = this.#waiters.get(sessionId);
    if (!set) return;
    for (const w of [...set]) if (w.afterSeq < lastSeq) w.done();
  }

  /** Wakes every waiter (session erased, store closing). */
  wakeAll(sessionId?: string): void {
    for (const [sid, set] of [...this.#waiters]) {
      if (sessionId === undefined || sid === sessionId) { for (const w of [...set]) w.done(); }
    }
  }

  /** Stops the loop, resolves every waiter and disconnects the blocking connection. */
  async close(): Promise<void> {
    this.#running = false;
    this.wakeAll();
    this.#wake?.();
    this.blocking.disconnect();
    await this.#loopDone;
  }

  #needs(key: string, afterSeq: number): void {
    if (!this.#blockedOn) {
      this.#wake?.();
      return;
    }
    const covered = this.#blockedOn.get(key);
    if (covered === undefined || covered > afterSeq) void this.#interrupt();
  }

  async #interrupt(): Promise<void> {
    if (this.#blockingId === undefined || !this.#blockedOn) return;
    try {
      await this.control.client("UNBLOCK", this.#blockingId);
    } catch {
      // Redis away: the XREAD fails on its own and the loop retries.
    }
  }

  async #loop(): Promise<void> {
    const sessionOf = new Map<string, string>();
    while (this.#running) {
      if (this.#waiters.size === 0) {
        await new Promise<void>((r) => this.#wake = r);
        this.#wake = undefined;
        continue;
      }
      const keys: string[] = [];
      const ids: string[] = [];
      const blockedOn = new Map<string, number>();
      sessionOf.clear();
      for (const [sid, set] of this.#waiters) {
        let min = Infinity;
        for (const w of set) min = Math.min(min, w.afterSeq);
        const key = this.streamKey(sid);
        keys.push(key);
        ids.push(`${min}-0`);
        blockedOn.set(key, min);
        sessionOf.set(key, sid);
      }
      this.#blockedOn = blockedOn;
      try {
        const res = await this.blocking.xread("COUNT", 1, "BLOCK", BLOCK_MS, "STREAMS", ...keys, ...ids);
        this.#blockedOn = undefined;
        for (const [key, entries] of res ?? []) {
          const sid = sessionOf.get(key);
          const last = entries.length ? Number(entries[entries.length - 1][0].split("-")[0]) : 0;
          if (sid !== undefined) this.notify(sid, last);
        }
      } catch {
        this.#blockedOn = undefined;
        if (this.#running) await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  }
}
