/**
 * `deno task cluster`: redis-server, N instances and HAProxy on loopback, for trying several
 * instances as one service. Prints the URL and the dashboard login URL; Ctrl-C stops everything
 * (instances first, flushing their participants).
 *
 *   deno task cluster [--instances 3] [--port 8780] [--base-port 8781] [--redis-port 6390]
 *                     [--data-dir .affectstream-cluster] [-- extra serve flags, e.g. --disable face]
 *
 * The admin key is AFFECTSTREAM_ADMIN_KEY when set, else `<data-dir>/admin.key` (created once,
 * mode 0600); every instance gets the same key, so tokens work on any of them.
 */
import { parseArgs } from "node:util";
import { loadAdminKey } from "../auth/admin_key.ts";
import { LOCAL_CLUSTER } from "./haproxy_config.ts";
import { startLocalCluster } from "./local_cluster.ts";
import { hasCommand } from "./redis_server.ts";

const LOGIN_RE = /https?:\/\/[^\s/]+\/\?login=([A-Za-z0-9_-]+)/;

async function main(args: string[]): Promise<number> {
  const dash = args.indexOf("--");
  const { values } = parseArgs({
    args: dash >= 0 ? args.slice(0, dash) : args,
    options: {
      instances: { type: "string", default: "3" },
      port: { type: "string", default: String(LOCAL_CLUSTER.frontendPort) },
      "base-port": { type: "string", default: String(LOCAL_CLUSTER.backendPorts[0]) },
      "redis-port": { type: "string", default: "6390" },
      "data-dir": { type: "string", default: ".affectstream-cluster" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(Deno.readTextFileSync(new URL(import.meta.url).pathname).split("*/")[0]);
    return 0;
  }
  for (const cmd of ["redis-server", "haproxy"]) {
    if (!await hasCommand(cmd)) {
      console.error(`cluster: ${cmd} is not installed (Debian: apt-get install ${cmd})`);
      return 1;
    }
  }
  const instances = Number(values.instances);
  if (!Number.isInteger(instances) || instances < 1 || instances > 16) throw new Error("--instances: 1 … 16");
  const dataDir = values["data-dir"]!;
  await Deno.mkdir(dataDir, { recursive: true });
  const { key } = await loadAdminKey(dataDir);
  let login: string | undefined;
  console.error(`cluster: starting redis-server, ${instances} instance(s) and haproxy…`);
  const cluster = await startLocalCluster({
    instances,
    adminKey: key,
    frontendPort: Number(values.port),
    basePort: Number(values["base-port"]),
    redisPort: Number(values["redis-port"]),
    redisAppendOnly: true,
    dir: dataDir,
    serveArgs: dash >= 0 ? args.slice(dash + 1) : [],
    onLine: (i, line) => {
      const m = i === 0 ? LOGIN_RE.exec(line) : null;
      if (m) login ??= m[1];
      else if (/error|warn/i.test(line)) console.error(`[instance ${i + 1}] ${line}`);
    },
  });
  console.error(`cluster: redis ${cluster.redis.url} (AOF in ${cluster.redis.dir})`);
  for (const inst of cluster.instances) {
    console.error(`cluster: instance ${inst.index + 1} ${inst.url} (pid ${inst.pid})`);
  }
  console.error(`cluster: affectstream through haproxy at ${cluster.url}/`);
  // The login URL of instance 1, on the HAProxy origin (haproxy.cfg sends /v1/login to instance 1).
  if (login) console.error(`cluster: open ${cluster.url}/?login=${login}`);
  else console.error("cluster: instance 1 printed no login URL; POST /v1/login accepts the admin key");
  return await new Promise<number>((resolve) => {
    const stop = () => {
      console.error("cluster: stopping…");
      cluster.stop().finally(() => resolve(0));
    };
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
  });
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (err) {
    console.error(`cluster: ${(err as Error).message}`);
    Deno.exit(1);
  }
}
