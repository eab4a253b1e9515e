/**
 * The {@linkcode Store} on Redis 7, shared by every instance of a cluster.
 *
 * Keys (prefix `as:` by default; `{sid}` is a hash tag, so one session's keys share a Redis
 * Cluster slot and every Lua script touches one slot):
 * - `as:{sid}:session` hash — createdWallMs, lastActivityWallMs
 * - `as:{sid}:seq` — the session's seq counter (INCRBY inside the append script)
 * - `as:{sid}:events` stream — one entry per event with id `<seq>-0`; fields `p` participant,
 *   `w` wallMs, `b` the event body as JSON. Bounded by `MAXLEN ~ historyEvents`: Redis trims whole
 *   radix-tree nodes, so at least `historyEvents` stay and at most one node (100 entries) more.
 * - `as:{sid}:participants` hash — participantId → ParticipantRecord JSON
 * - `as:{sid}:claim:<pid>` — the instance holding the participant, with a PX TTL
 * - `as:{sid}:turns` list — the conversation's last turns (RPUSH + LTRIM)
 * - `as:sessions` sorted set — session ids by last activity (listing, retention)
 * - `as:instance:<id>:claims` set — the claims an instance holds (heartbeat renewal)
 * - `as:erasures` pub/sub channel — `{sessionId, participantId?}` after an erasure that removed
 *   something, so every instance holding the session in memory erases it too
 *
 * Durability: `append` resolves when Redis acknowledged the script, i.e. the events are in its
 * memory (and in its AOF if `appendonly yes`; fsync'd on acknowledgement only with
 * `appendfsync always`). An instance crash loses nothing acknowledged; a Redis crash loses what
 * its persistence setting allows (see docs/scaling.md).
 *
 * While Redis is unreachable every call rejects at once with a recoverable StoreError (no offline
 * queue, no resend of commands whose reply was lost — an append must not be applied twice
 * silently) and `health()` is degraded; ioredis reconnects with backoff and health returns to ok.
 */
import { Redis } from "ioredis";
import type { EventBody, SessionEvent } from "../protocol/events.ts";
import {
  APPEND_LUA,
  APPEND_TURN_LUA,
  BOUNDS_LUA,
  CLAIM_LUA,
  CREATE_SESSION_LUA,
  DELETE_PARTICIPANT_LUA,
  PUT_PARTICIPANT_LUA,
  RELEASE_LUA,
  RENEW_LUA,
  TRIM_BEFORE_LUA,
} from "./redis_store_scripts.ts";
import { RedisStreamWatcher } from "./redis_store_watcher.ts";
import {
  type ErasureNotice,
  type ErasureReport,
  type ParticipantRecord,
  type RetentionReport,
  type SessionRecord,
  type Store,
  StoreError,
  type StoreHealth,
  type TurnRecord,
} from "./store.ts";

/** Options for {@linkcode RedisStore.open}. */
export interface RedisStoreOptions {
  /** Events kept per session (stream MAXLEN, approximate `~`). Default 10,000. */
  historyEvents?: number;
  /** Prefix of every key. Default "as:". */
  keyPrefix?: string;
  /** Longest wait for the first connection, in ms. Default 5,000. */
  connectTimeoutMs?: number;
}

const SCRIPTS = {
  asAppend: [3, APPEND_LUA],
  asCreateSession: [1, CREATE_SESSION_LUA],
  asPutParticipant: [2, PUT_PARTICIPANT_LUA],
  asClaim: [1, CLAIM_LUA],
  asRenew: [1, RENEW_LUA],
  asRelease: [1, RELEASE_LUA],
  asBounds: [2, BOUNDS_LUA],
  asAppendTurn: [1, APPEND_TURN_LUA],
  asDeleteParticipant: [4, DELETE_PARTICIPANT_LUA],
  asTrimBefore: [1, TRIM_BEFORE_LUA],
} as const;

type ScriptName = keyof typeof SCRIPTS;
type ScriptClient = Redis & { [K in ScriptName]: (...args: (string | number)[]) => Promise<unknown> };

/** A Store on one Redis server (or the master a Sentinel names). */
export class RedisStore implements Store {
  readonly engine = "redis" as const;
  readonly historyEvents: number;
  readonly prefix: string;
  #redis: ScriptClient;
  #blocking: Redis;
  #watcher: RedisStreamWatcher;
  #status: "ok" | "degraded" = "ok";
  #error?: string;
  #closed = false;
  #url: string;
  #subscriber?: Redis;
  #erasureListeners = new Set<(n: ErasureNotice) => void>();
  /** Tags this store's own erasure notices: the instance that erased has already cleared its memory. */
  readonly #origin = crypto.randomUUID();

  private constructor(url: string, redis: Redis, blocking: Redis, options: RedisStoreOptions) {
    this.#url = url;
    this.historyEvents = options.historyEvents ?? 10_000;
    if (!Number.isInteger(this.historyEvents) || this.historyEvents < 1) {
      throw new RangeError("historyEvents must be an integer ≥ 1");
    }
    this.prefix = options.keyPrefix ?? "as:";
    for (const [name, [numberOfKeys, lua]] of Object.entries(SCRIPTS)) redis.defineCommand(name, { numberOfKeys, lua });
    this.#redis = redis as ScriptClient;
    this.#blocking = blocking;
    for (const conn of [redis, blocking]) {
      conn.on("error", (err: Error) => this.#degrade(err));
      conn.on("close", () => this.#degrade(new Error("connection to Redis closed")));
      conn.on("ready", () => {
        if (redis.status === "ready" && blocking.status === "ready") {
          this.#status = "ok";
          this.#error = undefined;
        }
      });
    }
    this.#watcher = new RedisStreamWatcher(blocking, redis, (sid) => this.#key(sid, "events"));
  }

  /** Connects to `url` (`redis://[:password@]host:port[/db]`); rejects with StoreError when Redis cannot be reached. */
  static async open(url: string, options: RedisStoreOptions = {}): Promise<RedisStore> {
    const common = {
      lazyConnect: true,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      connectTimeout: options.connectTimeoutMs ?? 5_000,
      // Reconnect forever, backing off to 1 s: an instance outlives a Redis restart.
      retryStrategy: (times: number) => Math.min(50 * times, 1_000),
    };
    const redis = new Redis(url, { ...common, connectionName: "affectstream" });
    const blocking = new Redis(url, { ...common, connectionName: "affectstream-blocking" });
    try {
      await Promise.all([redis.connect(), blocking.connect()]);
    } catch (err) {
      redis.disconnect();
      blocking.disconnect();
      throw new StoreError(`cannot connect to Redis at ${redactUrl(url)}: ${(err as Error).message}`, true, {
        cause: err,
      });
    }
    return new RedisStore(url, redis, blocking, options);
  }

  #key(sessionId: string, part: string): string {
    return `${this.prefix}{${sessionId}}:${part}`;
  }

  #claimKey(sessionId: string, participantId: string): string {
    return this.#key(sessionId, `claim:${participantId}`);
  }

  #instanceKey(instanceId: string): string {
    return `${this.prefix}instance:${instanceId}:claims`;
  }

  get #sessionsKey(): string {
    return `${this.prefix}sessions`;
  }

  get #erasureChannel(): string {
    return `${this.prefix}erasures`;
  }

  onErasure(listener: (notice: ErasureNotice) => void): () => void {
    this.#erasureListeners.add(listener);
    if (!this.#subscriber && !this.#closed) {
      // A connection in subscriber mode of its own (it can run no other command); it resubscribes on reconnect.
      const sub = new Redis(this.#url, {
        connectionName: "affectstream-erasures",
        retryStrategy: (t) => Math.min(50 * t, 1_000),
      });
      sub.on("error", () => {}); // health follows the main connection
      sub.subscribe(this.#erasureChannel).catch(() => {});
      sub.on("message", (_channel: string, message: string) => {
        let notice: ErasureNotice & { origin?: string };
        try {
          notice = JSON.parse(message);
        } catch {
          return;
        }
        if (typeof notice?.sessionId !== "string" || notice.origin === this.#origin) return;
        const { origin: _origin, ...plain } = notice;
        notice = plain;
        for (const l of [...this.#erasureListeners]) {
          try {
            l(notice);
          } catch {
            // A listener's failure is its own.
          }
        }
      });
      this.#subscriber = sub;
    }
    return () => this.#erasureListeners.delete(listener);
  }

  /** Tells the other instances of an erasure that removed something. */
  async #announce(notice: ErasureNotice, report: ErasureReport): Promise<void> {
    if (report.events + report.participants + report.turns + report.sessions === 0) return;
    await this.#redis.publish(this.#erasureChannel, JSON.stringify({ ...notice, origin: this.#origin })).catch(
      () => {},
    );
  }

  #degrade(err: Error): void {
    if (this.#closed) return;
    this.#status = "degraded";
    this.#error = err.message;
  }

  /** Runs one Redis operation, turning any failure into a StoreError. */
  async #run<T>(what: string, op: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreError("store is closed", false);
    try {
      return await op();
    } catch (err) {
      if (err instanceof StoreError) throw err;
      const message = (err as Error)?.message ?? String(err);
      if (/NOSESSION/.test(message)) throw new StoreError(`${what}: session does not exist`, false, { cause: err });
      const connection = this.#redis.status !== "ready" ||
        /writeable|Connection is closed|ECONNRE|EPIPE/i.test(message);
      if (connection) this.#degrade(err as Error);
      throw new StoreError(`${what}: ${message}`, true, { cause: err });
    }
  }

  createSession(sessionId: string, wallMs = Date.now()): Promise<{ created: boolean }> {
    return this.#run("createSession", async () => {
      const created = await this.#redis.asCreateSession(this.#key(sessionId, "session"), wallMs) === 1;
      if (created) await this.#redis.zadd(this.#sessionsKey, wallMs, sessionId);
      return { created };
    });
  }

  hasSession(sessionId: string): Promise<boolean> {
    return this.#run("hasSession", async () => await this.#redis.exists(this.#key(sessionId, "session")) === 1);
  }

  listSessions(): Promise<SessionRecord[]> {
    return this.#run("listSessions", async () => {
      const ids = await this.#redis.zrange(this.#sessionsKey, 0, -1);
      if (ids.length === 0) return [];
      const pipe = this.#redis.pipeline();
      for (const id of ids) {
        pipe.hgetall(this.#key(id, "session"));
        pipe.hgetall(this.#key(id, "participants"));
        pipe.get(this.#key(id, "seq"));
      }
      const res = await pipe.exec();
      const out: SessionRecord[] = [];
      ids.forEach((sessionId, i) => {
        const [[e1, s], [e2, ps], [e3, seq]] = res!.slice(i * 3, i * 3 + 3) as [Error | null, unknown][];
        const err = e1 ?? e2 ?? e3;
        if (err) throw err;
        const session = s as Record<string, string>;
        if (!session.createdWallMs) return; // erased between the index read and the pipeline
        out.push({
          sessionId,
          createdWallMs: Number(session.createdWallMs),
          lastActivityWallMs: Number(session.lastActivityWallMs),
          lastSeq: Number(seq ?? 0),
          participants: Object.values(ps as Record<string, string>).map((j) => JSON.parse(j))
            .sort((a: ParticipantRecord, b: ParticipantRecord) => a.joinedWallMs - b.joinedWallMs),
        });
      });
      return out;
    });
  }

  putParticipant(sessionId: string, record: ParticipantRecord): Promise<void> {
    return this.#run("putParticipant", async () => {
      await this.#redis.asPutParticipant(
        this.#key(sessionId, "session"),
        this.#key(sessionId, "participants"),
        record.participantId,
        JSON.stringify(record),
      );
    });
  }

  claimParticipant(sessionId: string, participantId: string, instanceId: string, ttlMs: number): Promise<boolean> {
    return this.#run("claimParticipant", async () => {
      const ok =
        await this.#redis.asClaim(this.#claimKey(sessionId, participantId), instanceId, Math.ceil(ttlMs)) === 1;
      if (ok) await this.#redis.sadd(this.#instanceKey(instanceId), JSON.stringify([sessionId, participantId]));
      return ok;
    });
  }

  renewClaims(instanceId: string, ttlMs: number): Promise<void> {
    return this.#run("renewClaims", async () => {
      const setKey = this.#instanceKey(instanceId);
      const members = await this.#redis.smembers(setKey);
      if (members.length === 0) return;
      const pipe = this.#redis.pipeline() as unknown as ScriptClient & {
        exec(): Promise<[Error | null, unknown][] | null>;
      };
      for (const m of members) {
        const [sid, pid] = JSON.parse(m);
        pipe.asRenew(this.#claimKey(sid, pid), instanceId, Math.ceil(ttlMs));
      }
      const res = (await pipe.exec()) ?? [];
      const lapsed = members.filter((_, i) => res[i]?.[0] === null && res[i]?.[1] === 0);
      if (lapsed.length) await this.#redis.srem(setKey, ...lapsed);
      // The set itself expires if the instance dies, so dead instances leave nothing behind.
      await this.#redis.pexpire(setKey, Math.ceil(ttlMs) * 2);
    });
  }

  releaseParticipant(sessionId: string, participantId: string, instanceId: string): Promise<void> {
    return this.#run("releaseParticipant", async () => {
      await this.#redis.asRelease(this.#claimKey(sessionId, participantId), instanceId);
      await this.#redis.srem(this.#instanceKey(instanceId), JSON.stringify([sessionId, participantId]));
    });
  }

  append(sessionId: string, bodies: EventBody[]): Promise<SessionEvent[]> {
    if (bodies.length === 0) return Promise.resolve([]);
    return this.#run("append", async () => {
      const wallMs = Date.now();
      const args: (string | number)[] = [
        this.#key(sessionId, "seq"),
        this.#key(sessionId, "events"),
        this.#key(sessionId, "session"),
        this.historyEvents,
        wallMs,
      ];
      for (const b of bodies) args.push((b as { participantId?: string }).participantId ?? "", JSON.stringify(b));
      const first = Number(await this.#redis.asAppend(...args));
      // Best effort: the index only orders listing and retention; the session hash holds the truth.
      this.#redis.zadd(this.#sessionsKey, wallMs, sessionId).catch(() => {});
      const events = bodies.map((b, i) => ({ ...b, seq: first + i, sessionId, wallMs }) as SessionEvent);
      this.#watcher.notify(sessionId, first + bodies.length - 1);
      return events;
    });
  }

  read(sessionId: string, since: number, limit: number): Promise<SessionEvent[]> {
    return this.#run("read", async () => {
      if (limit <= 0) return [];
      const entries = await this.#redis.xrange(
        this.#key(sessionId, "events"),
        `${Math.max(0, Math.floor(since)) + 1}-0`,
        "+",
        "COUNT",
        Math.floor(limit),
      );
      return entries.map(([id, fields]) => toEvent(sessionId, id, fields));
    });
  }

  bounds(sessionId: string): Promise<{ oldestSeq: number; lastSeq: number }> {
    return this.#run("bounds", async () => {
      const [oldestSeq, lastSeq] = await this.#redis.asBounds(
        this.#key(sessionId, "seq"),
        this.#key(sessionId, "events"),
      ) as [number, number];
      return { oldestSeq: Number(oldestSeq), lastSeq: Number(lastSeq) };
    });
  }

  waitForEvents(sessionId: string, afterSeq: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.#watcher.wait(sessionId, afterSeq, timeoutMs, signal);
  }

  appendTurn(sessionId: string, turn: TurnRecord, keep: number): Promise<void> {
    return this.#run("appendTurn", async () => {
      await this.#redis.asAppendTurn(
        this.#key(sessionId, "turns"),
        JSON.stringify(turn),
        Math.max(1, Math.floor(keep)),
      );
    });
  }

  recentTurns(sessionId: string, n: number): Promise<TurnRecord[]> {
    return this.#run("recentTurns", async () => {
      if (n <= 0) return [];
      const items = await this.#redis.lrange(this.#key(sessionId, "turns"), -Math.floor(n), -1);
      return items.map((j) => JSON.parse(j));
    });
  }

  deleteSession(sessionId: string): Promise<ErasureReport> {
    return this.#run("deleteSession", async () => {
      const keys = ["session", "seq", "events", "participants", "turns"].map((p) => this.#key(sessionId, p));
      const pipe = this.#redis.pipeline();
      pipe.exists(keys[0]);
      pipe.xlen(keys[2]);
      pipe.hkeys(keys[3]);
      pipe.llen(keys[4]);
      const [[, exists], [, events], [, pids], [, turns]] = (await pipe.exec()) as [Error | null, unknown][];
      const participantIds = pids as string[];
      const del = this.#redis.multi();
      del.del(...keys, ...participantIds.map((p) => this.#claimKey(sessionId, p)));
      await del.exec();
      await this.#redis.zrem(this.#sessionsKey, sessionId);
      this.#watcher.wakeAll(sessionId);
      await this.#compactFiles();
      const report = {
        sessionId,
        events: Number(events),
        participants: participantIds.length,
        turns: Number(turns),
        sessions: Number(exists),
      };
      await this.#announce({ sessionId }, report);
      return report;
    });
  }

  deleteParticipant(sessionId: string, participantId: string): Promise<ErasureReport> {
    return this.#run("deleteParticipant", async () => {
      const [events, participants, turns] = await this.#redis.asDeleteParticipant(
        this.#key(sessionId, "events"),
        this.#key(sessionId, "participants"),
        this.#claimKey(sessionId, participantId),
        this.#key(sessionId, "turns"),
        participantId,
      ) as [number, number, number];
      await this.#compactFiles();
      const report = { sessionId, participantId, events, participants, turns, sessions: 0 };
      await this.#announce({ sessionId, participantId }, report);
      return report;
    });
  }

  applyRetention(cutoffWallMs: number): Promise<RetentionReport> {
    return this.#run("applyRetention", async () => {
      const report: RetentionReport = { sessions: 0, events: 0 };
      const stale = await this.#redis.zrangebyscore(this.#sessionsKey, "-inf", `(${cutoffWallMs}`);
      for (const sid of stale) {
        const r = await this.deleteSession(sid);
        report.sessions += r.sessions;
        report.events += r.events;
      }
      const live = await this.#redis.zrangebyscore(this.#sessionsKey, cutoffWallMs, "+inf");
      for (const sid of live) {
        report.events += Number(await this.#redis.asTrimBefore(this.#key(sid, "events"), cutoffWallMs));
      }
      return report;
    });
  }

  /**
   * After an erasure, rewrites the append-only file when Redis keeps one, so the erased entries
   * leave the disk too (the AOF otherwise holds the original XADDs until its next rewrite).
   */
  async #compactFiles(): Promise<void> {
    try {
      const [, aof] = await this.#redis.config("GET", "appendonly") as [string, string];
      if (aof === "yes") await this.#redis.bgrewriteaof();
    } catch {
      // CONFIG disabled (managed Redis) or a rewrite already running: the next rewrite drops them.
    }
  }

  health(): StoreHealth {
    return this.#status === "ok" ? { engine: "redis", status: "ok" } : {
      engine: "redis",
      status: "degraded",
      error: this.#error,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#erasureListeners.clear();
    this.#subscriber?.disconnect();
    await this.#watcher.close().catch(() => {});
    try {
      await this.#redis.quit();
    } catch {
      this.#redis.disconnect();
    }
  }
}

function toEvent(sessionId: string, id: string, fields: string[]): SessionEvent {
  let body = "{}";
  let wallMs = 0;
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] === "b") body = fields[i + 1];
    else if (fields[i] === "w") wallMs = Number(fields[i + 1]);
  }
  return { ...JSON.parse(body), seq: Number(id.slice(0, id.indexOf("-"))), sessionId, wallMs } as SessionEvent;
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, "//***@");
}
