/**
 * Structured logs: one JSON object per line on stderr (`{"t","level","msg",...fields}`).
 * Fields that may carry personal data (names, transcript text) are dropped unless the operator
 * asks for them with AFFECTSTREAM_LOG_CONTENT=1, so a log file never holds what erasure removes.
 */
import { createHash } from "node:crypto";

/** Severity of a log line. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * Field names whose values may carry a name (the dashboard derives participant ids from display
 * names): logged as a short pseudonym (a SHA-256 prefix) unless content logging is on.
 */
export const PSEUDONYMISED_FIELDS: ReadonlySet<string> = new Set(["participantId"]);

/** Field names whose values are personal data and are left out by default. */
export const CONTENT_FIELDS: ReadonlySet<string> = new Set(["name", "text", "transcript", "speaker", "message"]);

/** Options for {@linkcode Logger}. */
export interface LoggerOptions {
  /** Keep CONTENT_FIELDS (default: AFFECTSTREAM_LOG_CONTENT=1). */
  logContent?: boolean;
  /** Where lines go (default: stderr). */
  write?: (line: string) => void;
  /** Lowest level written. Default "info". */
  level?: LogLevel;
}

/** A stable short pseudonym of an id: the same id gives the same tag, the tag does not give the id back. */
export function pseudonym(id: string): string {
  return "p:" + createHash("sha256").update("affectstream/log/" + id).digest("hex").slice(0, 10);
}

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

function envContent(): boolean {
  try {
    return Deno.env.get("AFFECTSTREAM_LOG_CONTENT") === "1";
  } catch {
    return false;
  }
}

/** A JSON-lines logger. */
export class Logger {
  readonly logContent: boolean;
  #write: (line: string) => void;
  #min: number;

  constructor(options: LoggerOptions = {}) {
    this.logContent = options.logContent ?? envContent();
    const enc = new TextEncoder();
    this.#write = options.write ?? ((line) => Deno.stderr.writeSync(enc.encode(line + "\n")));
    this.#min = ORDER[options.level ?? "info"];
  }

  /** Writes one line; content fields are dropped unless logContent. */
  log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
    if (ORDER[level] < this.#min) return;
    const out: Record<string, unknown> = { t: new Date().toISOString(), level, msg };
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) continue;
      if (!this.logContent && CONTENT_FIELDS.has(k)) continue;
      out[k] = !this.logContent && PSEUDONYMISED_FIELDS.has(k) && typeof v === "string" ? pseudonym(v) : v;
    }
    try {
      this.#write(JSON.stringify(out));
    } catch {
      // A closed stderr must not take the server down.
    }
  }

  debug(msg: string, fields?: Record<string, unknown>): void {
    this.log("debug", msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.log("info", msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.log("warn", msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.log("error", msg, fields);
  }
}

/** A logger that writes nothing (tests, offline analysis). */
export const silentLogger: Logger = new Logger({ write: () => {}, level: "error" });
