/**
 * A session's ordered event log over a {@linkcode Store}.
 *
 * - `publish` queues the body; a serial writer appends queued bodies in batches (one store
 *   transaction each) and only once `append` resolves are the events visible to readers and
 *   listeners: an event is committed before any subscriber receives it. `seq` comes from the
 *   store, so it is never reused across restarts or instances.
 * - Live-only events (`emotion.partial`, unless `storePartials`) are not part of the seq'd log:
 *   they go at once to live listeners, carry no `seq`, and are never replayed.
 * - Degraded mode: when a write fails, the log keeps serving from memory with locally continued
 *   seq, publishes one `error` event `store_degraded`, retries every `retryMs`, and writes the
 *   backlog in order once the store accepts writes again. Events of that stretch are not durable
 *   until then (a crash in between loses them; subscribers were told).
 * - Readers pull: `read(since, limit)` serves from an in-memory tail cache, older events from the
 *   store with a LIMIT query (restore is incremental: nothing is read whole at start), and
 *   `waitForEvents` parks until there is more.
 * - Without a store (offline analysis) the log is in memory and synchronous: seq assigned and
 *   listeners called inside `publish`.
 */
import type { EventBody, SessionEvent } from "../protocol/events.ts";
import type { Store } from "../store/store.ts";

/** Options for {@linkcode EventLog}. */
export interface EventLogOptions {
  /** Events kept in the in-memory tail cache (and, without a store, the whole history). Default 10,000. */
  capacity?: number;
  /** Where events are committed; none keeps them in memory only (synchronous). */
  store?: Store;
  /** Store `emotion.partial` in the seq'd log too. Default false (live only). */
  storePartials?: boolean;
  /** Retry interval while degraded, in ms. Default 1000. */
  retryMs?: number;
  /** Most events in one append. Default 256. */
  maxBatch?: number;
  /** Most events held while degraded before the oldest are dropped from the write backlog. Default 100,000. */
  maxBacklog?: number;
  /** Told when the log enters or leaves degraded mode (for logs; never event content). */
  onStoreState?: (state: "degraded" | "ok", detail: { sessionId: string; error?: string; pending: number }) => void;
}

/** Receives events (push API for in-process consumers). */
export type EventListener = (event: SessionEvent) => void;

/** Event types kept out of the seq'd log unless storePartials. */
const LIVE_ONLY_TYPES: ReadonlySet<string> = new Set(["emotion.partial"]);

interface Pending {
  body: EventBody;
  resolve: (e: SessionEvent) => void;
}

/** Ordered, durable-first history with pull readers. */
export class EventLog {
  readonly capacity: number;
  readonly store?: Store;
  readonly storePartials: boolean;
  readonly retryMs: number;
  readonly maxBatch: number;
  readonly maxBacklog: number;
  /** Resolves once the log knows the store's last seq. */
  readonly ready: Promise<void>;
  #ring: (SessionEvent | undefined)[];
  /** Lowest seq the cache may hold; below it, read from the store. */
  #cacheFrom = 1;
  #lastSeq = 0;
  #committedSeq = 0;
  #queue: Pending[] = [];
  #pumping = false;
  #backlog: SessionEvent[] = [];
  #degraded = false;
  #degradedError?: string;
  #retryTimer?: ReturnType<typeof setTimeout>;
  #droppedWrites = 0;
  #seqMismatches = 0;
  #waiters = new Set<() => void>();
  #live = new Set<EventListener>();
  #subscribers = 0;
  #closed = false;
  #onStoreState?: EventLogOptions["onStoreState"];
  #idle: (() => void)[] = [];
  /** The engine is shared by several instances: other writers append too, so reads go to it. */
  readonly #shared: boolean;

  constructor(readonly sessionId: string, options: EventLogOptions = {}) {
    this.capacity = options.capacity ?? 10_000;
    if (!Number.isInteger(this.capacity) || this.capacity < 1) throw new RangeError("capacity must be an integer ≥ 1");
    this.retryMs = options.retryMs ?? 1000;
    if (!(this.retryMs > 0)) throw new RangeError("retryMs must be > 0");
    this.maxBatch = options.maxBatch ?? 256;
    this.maxBacklog = options.maxBacklog ?? 100_000;
    this.store = options.store;
    this.storePartials = options.storePartials ?? false;
    this.#onStoreState = options.onStoreState;
    this.#ring = new Array(this.capacity);
    this.#shared = options.store !== undefined && options.store.engine !== "sqlite" && options.store.engine !== "memory";
    this.ready = this.store ? this.#init(this.store) : Promise.resolve();
  }

  async #init(store: Store): Promise<void> {
    for (;;) {
      try {
        const { lastSeq } = await store.bounds(this.sessionId);
        this.#lastSeq = this.#committedSeq = lastSeq;
        this.#cacheFrom = lastSeq + 1;
        return;
      } catch (err) {
        // Numbering cannot continue without the store's last seq: wait for it rather than reuse one.
        this.#markDegraded(err);
        if (this.#closed) return;
        await new Promise((r) => setTimeout(r, this.retryMs));
      }
    }
  }

  /** seq of the last event in the log (committed, or held in memory while degraded); 0 when none. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** seq of the last event known to be durable in the store. */
  get committedSeq(): number {
    return this.#committedSeq;
  }

  /** Oldest seq held in memory (lastSeq + 1 when the cache is empty). */
  get oldestCachedSeq(): number {
    return Math.max(this.#cacheFrom, this.#lastSeq - this.capacity + 1);
  }

  /** Whether the log was closed (its session left memory or was erased). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether writes are failing and events are served from memory only. */
  get degraded(): boolean {
    return this.#degraded;
  }

  /** Events accepted but not yet durable. */
  get pendingWrites(): number {
    return this.#backlog.length + this.#queue.length;
  }

  /** Health detail for /v1/health (never event content). */
  get storeState(): { degraded: boolean; pendingWrites: number; droppedWrites: number; error?: string } {
    return {
      degraded: this.#degraded,
      pendingWrites: this.pendingWrites,
      droppedWrites: this.#droppedWrites,
      ...(this.#degradedError ? { error: this.#degradedError } : {}),
    };
  }

  /** Subscribers: pull readers (events sockets) and push listeners (`subscribe`). */
  get listenerCount(): number {
    return this.#subscribers;
  }

  /** Counts a pull subscriber (for limits and idle sweeps); returns its release. */
  addSubscriber(): () => void {
    this.#subscribers++;
    let released = false;
    return () => {
      if (!released) this.#subscribers--;
      released = true;
    };
  }

  /**
   * Publishes an event. The promise resolves with the stamped event once it is committed (or,
   * while degraded, held in memory) and never rejects. Live-only events resolve at once, unstamped
   * by a seq.
   */
  publish(body: EventBody): Promise<SessionEvent> {
    if (this.#closed) return Promise.resolve({ ...body, seq: 0, sessionId: this.sessionId, wallMs: Date.now() } as SessionEvent);
    if (LIVE_ONLY_TYPES.has(body.type) && !(this.store && this.storePartials)) {
      const e = { ...body, sessionId: this.sessionId, wallMs: Date.now() } as SessionEvent;
      if (!this.store) {
        // In memory without a store, partials are numbered like every event (as before).
        return Promise.resolve(this.#local(body, false));
      }
      this.#emitLive(e);
      return Promise.resolve(e);
    }
    if (!this.store) return Promise.resolve(this.#local(body, false));
    if (this.#degraded) return Promise.resolve(this.#local(body, true));
    return new Promise((resolve) => {
      this.#queue.push({ body, resolve });
      if (!this.#pumping) {
        this.#pumping = true;
        queueMicrotask(() => void this.#pump());
      }
    });
  }

  async #pump(): Promise<void> {
    const store = this.store!;
    try {
      await this.ready;
      while (this.#queue.length && !this.#degraded && !this.#closed) {
        const batch = this.#queue.splice(0, this.maxBatch);
        let events: SessionEvent[];
        try {
          events = await store.append(this.sessionId, batch.map((p) => p.body));
        } catch (err) {
          this.#enterDegraded(err);
          for (const p of batch) p.resolve(this.#local(p.body, true));
          break;
        }
        for (const e of events) this.#put(e);
        this.#committedSeq = this.#lastSeq = events.at(-1)?.seq ?? this.#lastSeq;
        this.#notify();
        for (let i = 0; i < batch.length; i++) batch[i].resolve(events[i]);
      }
      // Anything queued after the store failed continues in memory, in order.
      if (this.#degraded) for (const p of this.#queue.splice(0)) p.resolve(this.#local(p.body, true));
    } finally {
      this.#pumping = false;
      if (this.#queue.length && !this.#closed) {
        this.#pumping = true;
        queueMicrotask(() => void this.#pump());
      } else this.#settleIdle();
    }
  }

  /** Stamps with the next local seq, caches and hands out (no store, or degraded). */
  #local(body: EventBody, backlog: boolean): SessionEvent {
    const e = { ...body, seq: ++this.#lastSeq, sessionId: this.sessionId, wallMs: Date.now() } as SessionEvent;
    if (this.#cacheFrom > e.seq) this.#cacheFrom = e.seq;
    this.#put(e);
    if (backlog) {
      this.#backlog.push(e);
      if (this.#backlog.length > this.maxBacklog) {
        this.#backlog.shift();
        this.#droppedWrites++;
      }
    }
    this.#notify();
    return e;
  }

  #put(e: SessionEvent): void {
    this.#ring[e.seq % this.capacity] = e;
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w();
  }

  #emitLive(e: SessionEvent): void {
    for (const l of this.#live) {
      try {
        l(e);
      } catch {
        // A listener's failure is its own.
      }
    }
  }

  #markDegraded(err: unknown): void {
    this.#degradedError = String((err as Error)?.message ?? err).slice(0, 200);
  }

  #enterDegraded(err: unknown): void {
    this.#markDegraded(err);
    this.#degraded = true;
    this.#onStoreState?.("degraded", { sessionId: this.sessionId, error: this.#degradedError, pending: this.pendingWrites });
    this.#local({
      type: "error",
      code: "store_degraded",
      message: "the event store is failing: events are kept in memory and written when it works again",
      recoverable: true,
    }, true);
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#retryTimer !== undefined) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#retry();
    }, this.retryMs);
  }

  /** Writes the backlog in order; leaves degraded mode once it is empty. */
  async #retry(): Promise<boolean> {
    const store = this.store!;
    try {
      while (this.#backlog.length) {
        const chunk = this.#backlog.slice(0, this.maxBatch);
        const stored = await store.append(this.sessionId, chunk.map(bodyOf));
        for (let i = 0; i < stored.length; i++) if (stored[i].seq !== chunk[i].seq) this.#seqMismatches++;
        this.#backlog.splice(0, chunk.length);
        this.#committedSeq = stored.at(-1)?.seq ?? this.#committedSeq;
      }
    } catch (err) {
      this.#markDegraded(err);
      this.#scheduleRetry();
      return false;
    }
    this.#degraded = false;
    this.#degradedError = this.#seqMismatches
      ? `${this.#seqMismatches} events were stored with another seq than delivered (another writer)`
      : undefined;
    this.#onStoreState?.("ok", { sessionId: this.sessionId, pending: this.pendingWrites });
    if (this.#queue.length && !this.#pumping) {
      this.#pumping = true;
      queueMicrotask(() => void this.#pump());
    }
    this.#settleIdle();
    return true;
  }

  #settleIdle(): void {
    if (this.#queue.length || this.#pumping || this.#backlog.length) return;
    for (const r of this.#idle.splice(0)) r();
  }

  /**
   * Committed events with seq > since, oldest first, at most `limit`: from the cache when it
   * holds them, else from the store. Never rejects: a failing store read returns what memory holds.
   */
  async read(since: number, limit: number): Promise<SessionEvent[]> {
    if (limit <= 0) return [];
    if (this.#shared && this.store && !this.#degraded) {
      try {
        await this.ready;
        const events = await this.store.read(this.sessionId, since, limit);
        const last = events.at(-1)?.seq ?? 0;
        if (last > this.#lastSeq) this.#lastSeq = this.#committedSeq = last;
        return events;
      } catch {
        // Fall through to memory.
      }
    }
    const oldestCached = this.oldestCachedSeq;
    if (since + 1 >= oldestCached || !this.store) return this.#readCache(Math.max(since, oldestCached - 1), limit);
    let stored: SessionEvent[] = [];
    try {
      await this.ready;
      stored = (await this.store.read(this.sessionId, since, limit)).filter((e) => e.seq < oldestCached);
    } catch {
      // The store cannot be read: continue with what memory holds (the caller sees the gap).
    }
    if (stored.length >= limit) return stored;
    return [...stored, ...this.#readCache(oldestCached - 1, limit - stored.length)];
  }

  #readCache(since: number, limit: number): SessionEvent[] {
    const out: SessionEvent[] = [];
    for (let s = Math.max(since + 1, this.oldestCachedSeq); s <= this.#lastSeq && out.length < limit; s++) {
      const e = this.#ring[s % this.capacity];
      if (e && e.seq === s) out.push(e);
    }
    return out;
  }

  /** Oldest seq a reader can get and the last seq, asking the store (a shared engine's last seq moves with other writers). */
  async bounds(): Promise<{ oldestSeq: number; lastSeq: number }> {
    if (this.store) {
      try {
        await this.ready;
        const b = await this.store.bounds(this.sessionId);
        if (this.#shared && b.lastSeq > this.#lastSeq) this.#lastSeq = this.#committedSeq = b.lastSeq;
        return { oldestSeq: Math.min(b.oldestSeq, this.oldestCachedSeq), lastSeq: Math.max(b.lastSeq, this.#lastSeq) };
      } catch {
        // Memory is all there is.
      }
    }
    return { oldestSeq: this.oldestCachedSeq, lastSeq: this.#lastSeq };
  }

  /** Oldest seq a reader can still get (from the store or memory). */
  async oldestSeq(): Promise<number> {
    if (!this.store) return this.oldestCachedSeq;
    try {
      await this.ready;
      const b = await this.store.bounds(this.sessionId);
      return Math.min(b.oldestSeq, this.oldestCachedSeq);
    } catch {
      return this.oldestCachedSeq;
    }
  }

  /** Resolves when lastSeq > afterSeq, after `timeoutMs`, or on abort; never rejects. */
  waitForEvents(afterSeq: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.#lastSeq > afterSeq || signal?.aborted || this.#closed) return Promise.resolve();
    if (this.#shared && this.store) {
      // Another instance may append: wait on the engine as well as on this instance's writes.
      const ac = new AbortController();
      const onAbort = () => ac.abort();
      signal?.addEventListener("abort", onAbort, { once: true });
      const store = this.store;
      return Promise.race([
        this.#waitLocal(afterSeq, timeoutMs, ac.signal),
        store.waitForEvents(this.sessionId, afterSeq, timeoutMs, ac.signal).catch(() => {}),
      ]).finally(() => {
        ac.abort();
        signal?.removeEventListener("abort", onAbort);
      });
    }
    return this.#waitLocal(afterSeq, timeoutMs, signal);
  }

  #waitLocal(afterSeq: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.#lastSeq > afterSeq || signal?.aborted || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const check = () => {
        if (this.#lastSeq > afterSeq || this.#closed) done();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      this.#waiters.add(check);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  /** Receives live-only events (partials) as they are published; returns the removal. */
  onLive(listener: EventListener): () => void {
    this.#live.add(listener);
    return () => this.#live.delete(listener);
  }

  /**
   * Push API for in-process consumers: replays committed events after `since`, then delivers
   * new ones in order, with live-only events interleaved as they come. Without a store the
   * replay and delivery are synchronous.
   */
  subscribe(since: number, listener: EventListener): { unsubscribe: () => void; gap: boolean } {
    const gap = since + 1 < this.oldestCachedSeq && !this.store;
    const ac = new AbortController();
    const safe = (e: SessionEvent) => {
      try {
        listener(e);
      } catch {
        // A listener's failure is its own; it never stops publication to the others.
      }
    };
    if (!this.store) {
      let cursor = since;
      for (const e of this.#readCache(Math.max(since, this.oldestCachedSeq - 1), Infinity)) {
        safe(e);
        cursor = e.seq;
      }
      const onNew = () => {
        for (const e of this.#readCache(cursor, Infinity)) {
          safe(e);
          cursor = e.seq;
        }
      };
      this.#waiters.add(onNew);
      const offLive = this.onLive(safe);
      const release = this.addSubscriber();
      return {
        unsubscribe: () => {
          this.#waiters.delete(onNew);
          offLive();
          release();
        },
        gap,
      };
    }
    const release = this.addSubscriber();
    let cursor = since;
    const offLive = this.onLive((e) => {
      if (cursor >= this.#lastSeq) safe(e);
    });
    void (async () => {
      while (!ac.signal.aborted && !this.#closed) {
        const batch = await this.read(cursor, 500);
        for (const e of batch) {
          if (ac.signal.aborted) return;
          safe(e);
          cursor = e.seq;
        }
        if (!batch.length) await this.waitForEvents(cursor, 30_000, ac.signal);
      }
    })();
    return {
      unsubscribe: () => {
        ac.abort();
        offLive();
        release();
      },
      gap,
    };
  }

  /** Removes a participant's events from memory (erasure; the store is erased by the caller). */
  forgetParticipant(participantId: string): number {
    let n = 0;
    for (let i = 0; i < this.#ring.length; i++) {
      if (this.#ring[i]?.participantId === participantId) {
        this.#ring[i] = undefined;
        n++;
      }
    }
    this.#backlog = this.#backlog.filter((e) => e.participantId !== participantId);
    return n;
  }

  /** Resolves once everything published so far is committed (or the store keeps failing for `timeoutMs`). */
  async flush(timeoutMs = 5000): Promise<void> {
    if (!this.store) return;
    if (this.#degraded && this.#backlog.length) await this.#retry();
    if (!this.#queue.length && !this.#pumping && !this.#backlog.length) return;
    await Promise.race([
      new Promise<void>((r) => this.#idle.push(r)),
      new Promise<void>((r) => setTimeout(r, timeoutMs)),
    ]);
  }

  /** Stops retries and wakes every waiter; later publishes are dropped. */
  close(): void {
    this.#closed = true;
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    for (const p of this.#queue.splice(0)) p.resolve({ ...p.body, seq: 0, sessionId: this.sessionId, wallMs: Date.now() } as SessionEvent);
    this.#notify();
    this.#live.clear();
    this.#settleIdle();
  }
}

/** The body of a stamped event (what `append` takes). */
function bodyOf(e: SessionEvent): EventBody {
  const { seq: _seq, sessionId: _sid, wallMs: _wall, ...body } = e;
  return body as EventBody;
}
