/**
 * Starts the live analysis server: loads the engine once, opens the store and the admin key,
 * then serves the app, applying retention at start and hourly.
 */
import { ensureDataDir, loadAdminKey } from "./auth/admin_key.ts";
import { encodeBase64Url } from "./auth/base64url.ts";
import { isLoopbackBind } from "./auth/request_guard.ts";
import { TokenIssuer } from "./auth/token_issuer.ts";
import { Engine, type EngineOptions } from "./engine/engine.ts";
import { Logger, silentLogger } from "./log/logger.ts";
import { SessionRegistry, type SessionRegistryOptions } from "./session/session_registry.ts";
import { MemoryStore } from "./store/memory_store.ts";
import { openStore } from "./store/open_store.ts";
import type { Store } from "./store/store.ts";
import { type AppOptions, createApp } from "./transport/app.ts";

/** Default retention: 30 days, in ms. */
export const DEFAULT_RETENTION_MS = 30 * 86_400_000;
/** How often retention runs, in ms. */
export const RETENTION_INTERVAL_MS = 3_600_000;

/** Options for {@linkcode startServer}. */
export interface ServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8787; 0 picks a free port. */
  port?: number;
  engine?: EngineOptions;
  sessions?: SessionRegistryOptions;
  app?: AppOptions;
  /**
   * Data directory (created, mode 0700): the SQLite store and the generated admin key. Without
   * it the store is in memory and the admin key is `adminKey`, AFFECTSTREAM_ADMIN_KEY or random.
   */
  dataDir?: string;
  /** `--store`: "sqlite" (default with a dataDir), "memory", or a Store to use. */
  store?: string | Store;
  /** The admin key (overrides AFFECTSTREAM_ADMIN_KEY and the key file). */
  adminKey?: string;
  /** Origins allowed besides the server's own. */
  allowedOrigins?: string[];
  /** Events and sessions older than this are deleted, in ms. Default 30 days. */
  retentionMs?: number;
  /** Structured logs; default: JSON lines on stderr when a dataDir is given, else silent. */
  logger?: Logger;
  /** Called once listening. */
  onListen?: (addr: { hostname: string; port: number }) => void;
  /** Reuse an already loaded engine (tests, benchmarks). */
  loadedEngine?: Engine;
}

/** A running server. */
export interface RunningServer {
  port: number;
  hostname: string;
  engine: Engine;
  registry: SessionRegistry;
  store: Store;
  issuer: TokenIssuer;
  /** The admin key (tests and the operator; never logged). */
  adminKey: string;
  /** A fresh dashboard URL with a one-time login token. */
  loginUrl(): string;
  shutdown(): Promise<void>;
}

/** Loads models, opens the store and starts serving. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? (options.dataDir ? new Logger() : silentLogger);
  const host = options.host ?? "127.0.0.1";
  if (options.retentionMs !== undefined && !(options.retentionMs > 0)) throw new RangeError("retentionMs must be > 0");
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  let adminKey = options.adminKey;
  let store: Store;
  if (options.dataDir) {
    await ensureDataDir(options.dataDir);
    if (!adminKey) {
      const k = await loadAdminKey(options.dataDir);
      adminKey = k.key;
      logger.info("admin key", { source: k.source, ...(k.path ? { path: k.path } : {}) });
    }
  }
  adminKey ??= Deno.env.get("AFFECTSTREAM_ADMIN_KEY") || encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  if (typeof options.store === "object") store = options.store;
  else if (options.dataDir) store = await openStore(options.store ?? "sqlite", options.dataDir);
  else if (options.store && options.store !== "memory") throw new Error(`store "${options.store}" needs a data directory`);
  else store = new MemoryStore();

  const engine = options.loadedEngine ?? await Engine.load({ vadWorker: true, voiceWorker: true, ...options.engine });
  const issuer = new TokenIssuer(adminKey);
  const registry = new SessionRegistry(engine.vad, engine, {
    ...options.sessions,
    session: { logger, ...options.sessions?.session, store },
  });
  const loopback = isLoopbackBind(host);
  const app = createApp(engine, registry, {
    ...options.app,
    logger,
    retentionMs,
    auth: { issuer, allowedOrigins: options.allowedOrigins, loopback, ...options.app?.auth },
  });
  if (!loopback) {
    logger.warn("listening beyond loopback: put the server behind a TLS-terminating proxy (tokens travel in URLs and headers)", { host });
  }
  const retention = async () => {
    try {
      const report = await registry.applyRetention(Date.now() - retentionMs);
      if (report.sessions || report.events) logger.info("retention applied", { ...report, retentionMs });
    } catch (err) {
      logger.error("retention failed", { error: String(err) });
    }
  };
  await retention();
  const retentionTimer = setInterval(() => void retention(), RETENTION_INTERVAL_MS);
  Deno.unrefTimer(retentionTimer);
  const sweeper = setInterval(() => registry.sweep(), 60_000);
  Deno.unrefTimer(sweeper);
  let resolveAddr: (a: { hostname: string; port: number }) => void;
  const addrReady = new Promise<{ hostname: string; port: number }>((r) => resolveAddr = r);
  const server = Deno.serve({
    hostname: host,
    port: options.port ?? 8787,
    onListen: (addr) => {
      resolveAddr(addr);
      options.onListen?.(addr);
    },
  }, app.fetch);
  const addr = await addrReady;
  const urlHost = loopback ? (addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname) : "127.0.0.1";
  return {
    port: addr.port,
    hostname: addr.hostname,
    engine,
    registry,
    store,
    issuer,
    adminKey,
    loginUrl: () => `http://${urlHost}:${addr.port}/?login=${issuer.createLoginToken()}`,
    async shutdown() {
      clearInterval(sweeper);
      clearInterval(retentionTimer);
      await registry.endAll();
      // Open WebSockets would keep a graceful shutdown waiting; give them a moment, then stop.
      await Promise.race([server.shutdown(), new Promise((r) => setTimeout(r, 2000))]);
      registry.close();
      await store.close().catch(() => {});
    },
  };
}
