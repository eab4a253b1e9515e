/**
 * A cluster on one machine: redis-server, N affectstream instances (real `main.ts serve`
 * processes sharing the Redis store and the admin key) and HAProxy in front, all on loopback.
 * Used by `deno task cluster`, the cluster test and the cluster benchmark.
 */
import { renderHaproxyConfig } from "./haproxy_config.ts";
import { freePort, type RedisServer, startRedisServer } from "./redis_server.ts";

const MAIN_TS = new URL("../../main.ts", import.meta.url).pathname;

/** Options for {@linkcode startLocalCluster}. */
export interface LocalClusterOptions {
  /** Instances. Default 3. */
  instances?: number;
  /** The admin key every instance shares (AFFECTSTREAM_ADMIN_KEY). */
  adminKey: string;
  /** HAProxy frontend port; 0 or absent picks a free one. */
  frontendPort?: number;
  /** First instance port (the others follow); absent picks free ones. */
  basePort?: number;
  /** Redis port; 0 or absent picks a free one. */
  redisPort?: number;
  /** Redis keeps an AOF (fsync every second) in its folder. Default false. */
  redisAppendOnly?: boolean;
  /** Folder for the instances' data dirs and the HAProxy config. Default: a temp dir. */
  dir?: string;
  /** Extra `serve` arguments for every instance (e.g. ["--disable", "face,text"]). */
  serveArgs?: string[];
  /** Extra Deno flags for the instance processes (e.g. V8 flags). */
  denoArgs?: string[];
  /** Longest wait for an instance to answer /v1/health, in ms. Default 120,000. */
  startTimeoutMs?: number;
  /** Lines of each process's stderr kept for diagnostics. Default 200. */
  keepLines?: number;
  /** Each instance's stderr lines as they arrive (e.g. to print the login URL). */
  onLine?: (instance: number, line: string) => void;
  /** HAProxy health-check interval, in ms. Default 1,000. */
  checkIntervalMs?: number;
  /**
   * No `--store` flag: every instance keeps its embedded SQLite store (the single-instance
   * baseline of the benchmark; instances then share nothing). Redis is started all the same.
   */
  embedded?: boolean;
}

/** One running instance. */
export interface ClusterInstance {
  index: number;
  port: number;
  url: string;
  pid: number;
  /** Recent stderr lines. */
  lines: string[];
  /** Whether the process is still running. */
  readonly running: boolean;
  /** Sends a signal; resolves once the process exited. */
  kill(signal?: Deno.Signal): Promise<void>;
}

/** A running local cluster. */
export interface LocalCluster {
  /** HAProxy's URL (http://127.0.0.1:PORT). */
  url: string;
  frontendPort: number;
  redis: RedisServer;
  instances: ClusterInstance[];
  /** HAProxy's process id (CPU accounting). */
  haproxyPid: number;
  /** Restarts instance `i` on its port (after a kill). */
  restart(i: number): Promise<ClusterInstance>;
  /** Stops HAProxy, every instance (SIGTERM: participants flushed) and Redis. */
  stop(): Promise<void>;
}

/** Polls `url` until it answers 200, the process exits, or the deadline passes. */
async function waitHealthy(url: string, deadline: number, alive: () => boolean, what: string): Promise<void> {
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`${what} exited before it was ready`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await r.body?.cancel();
      if (r.ok) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} not ready at ${url}`);
}

function collectLines(stream: ReadableStream<Uint8Array>, keep: number, lines: string[], onLine?: (l: string) => void) {
  void (async () => {
    let rest = "";
    try {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        const parts = (rest + chunk).split("\n");
        rest = parts.pop() ?? "";
        for (const l of parts) {
          lines.push(l);
          if (lines.length > keep) lines.shift();
          onLine?.(l);
        }
      }
    } catch { /* process gone */ }
  })();
}

/** Starts Redis, the instances (one by one) and HAProxy; resolves once HAProxy routes to a healthy instance. */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const n = options.instances ?? 3;
  const keep = options.keepLines ?? 200;
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? await Deno.makeTempDir({ prefix: "affectstream-cluster-" });
  await Deno.mkdir(dir, { recursive: true });
  // A given folder keeps Redis's AOF beside the instances' data (a temp folder otherwise).
  const redisDir = ownDir ? undefined : `${dir}/redis`;
  if (redisDir) await Deno.mkdir(redisDir, { recursive: true });
  const redis = await startRedisServer({ port: options.redisPort, appendOnly: options.redisAppendOnly, dir: redisDir });
  const ports = Array.from({ length: n }, (_, i) => options.basePort ? options.basePort + i : freePort());
  const frontendPort = options.frontendPort || freePort();
  const startTimeout = options.startTimeoutMs ?? 120_000;
  const instances: ClusterInstance[] = [];

  const spawnInstance = async (i: number): Promise<ClusterInstance> => {
    const dataDir = `${dir}/instance-${i + 1}`;
    await Deno.mkdir(dataDir, { recursive: true });
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        ...(options.denoArgs ?? []),
        MAIN_TS,
        "serve",
        "--port",
        String(ports[i]),
        "--store",
        redis.url,
        "--data-dir",
        dataDir,
        "--allow-origin",
        `http://127.0.0.1:${frontendPort}`,
        ...(options.serveArgs ?? []),
      ],
      env: { AFFECTSTREAM_ADMIN_KEY: options.adminKey },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let running = true;
    const status = child.status.then(() => void (running = false));
    const lines: string[] = [];
    collectLines(child.stdout, keep, lines, (l) => options.onLine?.(i, l));
    collectLines(child.stderr, keep, lines, (l) => options.onLine?.(i, l));
    const inst: ClusterInstance = {
      index: i,
      port: ports[i],
      url: `http://127.0.0.1:${ports[i]}`,
      pid: child.pid,
      lines,
      get running() {
        return running;
      },
      async kill(signal: Deno.Signal = "SIGTERM") {
        if (running) {
          try {
            child.kill(signal);
          } catch { /* gone */ }
        }
        await status;
      },
    };
    try {
      await waitHealthy(`${inst.url}/v1/health`, Date.now() + startTimeout, () => running, `instance ${i + 1}`);
    } catch (err) {
      await inst.kill("SIGKILL");
      throw new Error(`${(err as Error).message}\n${lines.slice(-20).join("\n")}`);
    }
    return inst;
  };

  let haproxy: Deno.ChildProcess | undefined;
  const haproxyLines: string[] = [];
  const stop = async () => {
    try {
      haproxy?.kill("SIGTERM");
    } catch { /* gone */ }
    await haproxy?.status;
    await Promise.all(instances.map((p) => p.kill("SIGTERM")));
    await redis.stop();
    if (ownDir) await Deno.remove(dir, { recursive: true }).catch(() => {});
  };

  try {
    // One after the other: model loading is CPU-heavy, and on a small busy machine three at once
    // can starve each other's start-up checks. A start that fails is tried once more.
    for (let i = 0; i < n; i++) {
      try {
        instances.push(await spawnInstance(i));
      } catch {
        instances.push(await spawnInstance(i));
      }
    }
    const cfg = `${dir}/haproxy.cfg`;
    await Deno.writeTextFile(
      cfg,
      renderHaproxyConfig({ frontendPort, backendPorts: ports, checkIntervalMs: options.checkIntervalMs }),
    );
    haproxy = new Deno.Command("haproxy", { args: ["-db", "-f", cfg], stdin: "null", stdout: "piped", stderr: "piped" })
      .spawn();
    let haproxyRunning = true;
    haproxy.status.then(() => haproxyRunning = false);
    collectLines(haproxy.stdout, keep, haproxyLines);
    collectLines(haproxy.stderr, keep, haproxyLines);
    await waitHealthy(
      `http://127.0.0.1:${frontendPort}/v1/health`,
      Date.now() + 20_000,
      () => haproxyRunning,
      "haproxy",
    )
      .catch((err) => {
        throw new Error(`${err.message}\n${haproxyLines.slice(-10).join("\n")}`);
      });
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    url: `http://127.0.0.1:${frontendPort}`,
    frontendPort,
    redis,
    instances,
    haproxyPid: haproxy!.pid,
    async restart(i: number) {
      await instances[i].kill("SIGKILL");
      instances[i] = await spawnInstance(i);
      return instances[i];
    },
    stop,
  };
}
