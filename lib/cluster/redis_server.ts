/**
 * Starts a local `redis-server` (Debian's redis-server package, 7.x) on loopback, for tests and
 * `deno task cluster`. Persistence is off unless asked for; the data folder is a temp dir.
 */

/** Options for {@linkcode startRedisServer}. */
export interface RedisServerOptions {
  /** Port; 0 or absent picks a free one. */
  port?: number;
  /** Keep an append-only file (fsync every second) in `dir`. Default false. */
  appendOnly?: boolean;
  /** Working folder (AOF, logs). Default: a new temp dir, removed on stop. */
  dir?: string;
  /** Longest wait for the server to answer PING, in ms. Default 10,000. */
  startTimeoutMs?: number;
}

/** A running redis-server. */
export interface RedisServer {
  port: number;
  url: string;
  pid: number;
  /** Its working folder (AOF). */
  dir: string;
  /** Kills the server (SIGKILL with `hard`, else SIGTERM) and waits; an own temp folder is removed unless `keepDir`. */
  stop(hard?: boolean, keepDir?: boolean): Promise<void>;
}

/** Whether a command is on PATH. */
export async function hasCommand(name: string): Promise<boolean> {
  try {
    const { code } = await new Deno.Command("sh", {
      args: ["-c", `command -v ${name}`],
      stdout: "null",
      stderr: "null",
    })
      .output();
    return code === 0;
  } catch {
    return false;
  }
}

/** A free loopback TCP port (bound and released; a race with another process is possible but rare). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Sends PING over a raw socket; true on +PONG. */
async function ping(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      await conn.write(new TextEncoder().encode("PING\r\n"));
      const buf = new Uint8Array(16);
      const n = await conn.read(buf);
      return n !== null && new TextDecoder().decode(buf.subarray(0, n)).startsWith("+PONG");
    } finally {
      conn.close();
    }
  } catch {
    return false;
  }
}

/** Starts redis-server bound to 127.0.0.1 and waits until it answers. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = options.port || freePort();
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? await Deno.makeTempDir({ prefix: "affectstream-redis-" });
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    "--appendonly",
    options.appendOnly ? "yes" : "no",
    "--appendfsync",
    "everysec",
    "--protected-mode",
    "yes",
    "--loglevel",
    "warning",
  ];
  const child = new Deno.Command("redis-server", { args, stdin: "null", stdout: "null", stderr: "piped" }).spawn();
  const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let errText = "";
  void (async () => {
    for (;;) {
      const { value, done } = await stderr.read().catch(() => ({ value: undefined, done: true }));
      if (done) break;
      if (errText.length < 4000) errText += value;
    }
  })();
  let exited = false;
  const status = child.status.then((s) => (exited = true, s));
  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  while (!await ping(port)) {
    if (exited || Date.now() > deadline) {
      if (!exited) child.kill("SIGKILL");
      await status;
      throw new Error(`redis-server did not start on port ${port}: ${errText.trim().slice(0, 500)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    dir,
    async stop(hard = false, keepDir = false) {
      if (!exited) {
        try {
          child.kill(hard ? "SIGKILL" : "SIGTERM");
        } catch { /* already gone */ }
      }
      await status;
      if (ownDir && !keepDir) await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
