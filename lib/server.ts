/**
 * Starts the live analysis server: loads the engine once, then serves the app.
 */
import { Engine, type EngineOptions } from "./engine/engine.ts";
import { SessionRegistry, type SessionRegistryOptions } from "./session/session_registry.ts";
import { type AppOptions, createApp } from "./transport/app.ts";

/** Options for {@linkcode startServer}. */
export interface ServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8787; 0 picks a free port. */
  port?: number;
  engine?: EngineOptions;
  sessions?: SessionRegistryOptions;
  app?: AppOptions;
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
  shutdown(): Promise<void>;
}

/** Loads models and starts serving. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const engine = options.loadedEngine ?? await Engine.load({ vadWorker: true, voiceWorker: true, ...options.engine });
  const registry = new SessionRegistry(engine.vad, engine, options.sessions);
  const app = createApp(engine, registry, options.app);
  const sweeper = setInterval(() => registry.sweep(), 60_000);
  let resolveAddr: (a: { hostname: string; port: number }) => void;
  const addrReady = new Promise<{ hostname: string; port: number }>((r) => resolveAddr = r);
  const server = Deno.serve({
    hostname: options.host ?? "127.0.0.1",
    port: options.port ?? 8787,
    onListen: (addr) => {
      resolveAddr(addr);
      options.onListen?.(addr);
    },
  }, app.fetch);
  const addr = await addrReady;
  return {
    port: addr.port,
    hostname: addr.hostname,
    engine,
    registry,
    async shutdown() {
      clearInterval(sweeper);
      await registry.endAll();
      // Open WebSockets would keep a graceful shutdown waiting; give them a moment, then stop.
      await Promise.race([server.shutdown(), new Promise((r) => setTimeout(r, 2000))]);
    },
  };
}
