/**
 * affectstream command line: `serve` (the live server with its dashboard), `analyze` (recorded
 * files through the same pipeline) and `eval` (quality report over a labelled manifest).
 */
import { parseArgs } from "node:util";
import { startServer } from "./lib/server.ts";
import { resolveFaceModelPath, ServerFaces } from "./lib/face/server_faces.ts";
import { parseAllowedOrigins } from "./lib/auth/request_guard.ts";
import { Logger } from "./lib/log/logger.ts";
import { runAnalyze } from "./lib/cli/analyze.ts";
import { runEval } from "./lib/eval/mod.ts";
import type { Modality } from "./lib/modality/estimate.ts";

const USAGE = `affectstream — real-time multimodal emotion analysis

  deno task start [--host 127.0.0.1] [--port 8787] [--models DIR] [--face-model PATH] [--face-pages 1] [--disable voice,face,text]
                  [--partial-ms 1000] [--min-silence-ms 500] [--text-wait-ms 2500] [--asr on|off]
                  [--data-dir .affectstream] [--store sqlite] [--retention 30d] [--allow-origin URL[,URL]]...
                  [--store-partials] [--store redis://HOST:PORT] [--claim-ttl-ms 30000]
  deno task analyze FILE... [--max-faces 4] [--voice-changes on|off] [--asr on|off]
                                                  events of each file as JSON lines on stdout,
                                                  one participant per tracked face or voice
  deno task analyze --manifest items.jsonl [--out preds.jsonl] [--fps 5] [--face-model PATH]
  deno task eval --manifest items.jsonl [--out-dir reports/NAME]   items carry a "label"
`;

function parseModalities(s: string | undefined): Modality[] {
  if (!s) return [];
  const out = s.split(",").map((x) => x.trim()).filter(Boolean);
  for (const m of out) {
    if (m !== "voice" && m !== "face" && m !== "text") throw new Error(`--disable: unknown modality "${m}"`);
  }
  return out as Modality[];
}

/** Default data directory (admin key, database), relative to the working directory. */
const DEFAULT_DATA_DIR = ".affectstream";

/** Parses a duration such as `30d`, `12h`, `90m`, `45s` into ms. */
export function parseDuration(s: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(d|h|m|s)$/.exec(s.trim());
  if (!m) throw new Error(`${flag}: expected a duration like 30d, 12h, 90m or 45s, got "${s}"`);
  const ms = Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 }[m[2] as "d" | "h" | "m" | "s"];
  if (!(ms > 0)) throw new Error(`${flag}: must be more than zero`);
  return ms;
}

function optionalNumber(s: string | undefined, flag: string): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isFinite(n)) throw new Error(`${flag}: not a number: ${s}`);
  return n;
}

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "8787" },
      models: { type: "string" },
      "face-model": { type: "string" },
      "face-pages": { type: "string" },
      disable: { type: "string" },
      manifest: { type: "string" },
      out: { type: "string" },
      "out-dir": { type: "string" },
      fps: { type: "string", default: "5" },
      "partial-ms": { type: "string" },
      "min-silence-ms": { type: "string" },
      "text-wait-ms": { type: "string" },
      "data-dir": { type: "string", default: DEFAULT_DATA_DIR },
      store: { type: "string", default: "sqlite" },
      retention: { type: "string", default: "30d" },
      "allow-origin": { type: "string", multiple: true },
      "store-partials": { type: "boolean" },
      "claim-ttl-ms": { type: "string" },
      asr: { type: "string", default: "on" },
      "max-faces": { type: "string" },
      "voice-changes": { type: "string", default: "on" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help || !command || command === "help") {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const disable = parseModalities(values.disable);
  if (values.asr !== "on" && values.asr !== "off") throw new Error(`--asr: on or off, got ${values.asr}`);
  const asr = values.asr === "on" ? {} : false;
  switch (command) {
    case "serve": {
      const port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: not a port: ${values.port}`);
      const logger = new Logger();
      // Video sockets' faces: headless Chromium pages, started on the first video socket.
      const faceModel = resolveFaceModelPath(values["face-model"]);
      const faces = faceModel
        ? new ServerFaces({ modelPath: faceModel, pages: optionalNumber(values["face-pages"], "--face-pages") })
        : undefined;
      const server = await startServer({
        host: values.host,
        port,
        dataDir: values["data-dir"],
        store: values.store,
        retentionMs: parseDuration(values.retention!, "--retention"),
        allowedOrigins: parseAllowedOrigins(values["allow-origin"] ?? []),
        logger,
        engine: { modelsDir: values.models, disable, asr },
        app: { static: { faceModelPath: values["face-model"] }, video: { faces } },
        sessions: {
          session: {
            storePartials: values["store-partials"] ?? false,
            // A shared store tells instances apart by this id (participant claims, heartbeats).
            instanceId: values.store?.startsWith("redis")
              ? `${Deno.hostname()}-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`
              : undefined,
            claimTtlMs: optionalNumber(values["claim-ttl-ms"], "--claim-ttl-ms"),
            participant: {
              segmenter: {
                partialIntervalMs: optionalNumber(values["partial-ms"], "--partial-ms"),
                minSilenceMs: optionalNumber(values["min-silence-ms"], "--min-silence-ms"),
              },
              textWaitMs: optionalNumber(values["text-wait-ms"], "--text-wait-ms"),
            },
          },
        },
      });
      const loginUrl = server.loginUrl();
      logger.info("listening", {
        url: `http://${server.hostname}:${server.port}/`,
        modalities: server.engine.modalities,
        dataDir: values["data-dir"],
        store: server.store.engine,
      });
      if (server.hostname === "0.0.0.0" || server.hostname === "::") {
        console.error("affectstream: WARNING listening on all interfaces: serve it behind a TLS-terminating proxy");
      }
      // The one line an operator needs: open it to use the dashboard (the token works once).
      console.error(`affectstream dashboard: ${loginUrl}`);
      logger.info("dashboard login url", { url: loginUrl });
      for (const [m, why] of Object.entries(server.engine.unavailable)) console.error(`  ${m}: unavailable — ${why}`);
      // On Ctrl-C or SIGTERM, flush every participant (last utterances analysed and published), then exit.
      return await new Promise<number>((resolve) => {
        const stop = () => {
          console.error("affectstream: shutting down, flushing participants…");
          server.shutdown().then(() => faces?.close()).finally(() => {
            server.engine.close();
            resolve(0);
          });
        };
        Deno.addSignalListener("SIGINT", stop);
        Deno.addSignalListener("SIGTERM", stop);
      });
    }
    case "analyze":
      return await runAnalyze({
        files: positionals,
        manifest: values.manifest,
        out: values.out,
        fps: Number(values.fps),
        faceModelPath: values["face-model"],
        engine: { modelsDir: values.models, disable },
        asr,
        maxFaces: optionalNumber(values["max-faces"], "--max-faces"),
        voiceChanges: values["voice-changes"] !== "off",
      });
    case "eval":
      if (!values.manifest) throw new Error("eval needs --manifest items.jsonl (items with a label)");
      return await runEval({
        manifest: values.manifest,
        outDir: values["out-dir"],
        fps: Number(values.fps),
        faceModelPath: values["face-model"],
        engine: { modelsDir: values.models, disable, asr },
      });
    default:
      console.error(`unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    Deno.exit(1);
  }
}
