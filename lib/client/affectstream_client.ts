/**
 * The entry point of the typed client: one server URL and token, and the three sockets of the
 * protocol (ingest, video, events) plus the HTTP calls a bot needs (health, tokens, sessions).
 * Tokens travel as `?token=` on sockets (browsers cannot set WebSocket headers) and as
 * `Authorization: Bearer` on HTTP.
 */
import { ClientError } from "./errors.ts";
import { EventsConnection, type EventsOptions } from "./events_connection.ts";
import { IngestConnection, type IngestOptions } from "./ingest_connection.ts";
import { VideoConnection, type VideoOptions } from "./video_connection.ts";

/** Options of {@linkcode AffectstreamClient}. */
export interface AffectstreamClientOptions {
  /** Server base URL, e.g. "http://127.0.0.1:8787". */
  url: string;
  /** An ingest, view or admin token (or the admin key). */
  token?: string;
  /** Longest an HTTP call may take, in ms. Default 10000. */
  httpTimeoutMs?: number;
}

/** What POST /v1/tokens asks for. */
export interface TokenRequest {
  sessionId: string;
  role: "ingest" | "view";
  participantId?: string;
  ttlS?: number;
  consent?: boolean;
  name?: string;
}

/** A server's connections and HTTP calls. */
export class AffectstreamClient {
  readonly url: string;
  readonly token?: string;
  readonly httpTimeoutMs: number;

  constructor(options: AffectstreamClientOptions) {
    const u = new URL(options.url);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new TypeError("url must be http:// or https://");
    this.url = u.origin + u.pathname.replace(/\/+$/, "");
    this.token = options.token;
    this.httpTimeoutMs = options.httpTimeoutMs ?? 10_000;
  }

  /** The same server with another token. */
  withToken(token: string): AffectstreamClient {
    return new AffectstreamClient({ url: this.url, token, httpTimeoutMs: this.httpTimeoutMs });
  }

  /** ws(s):// URL of a path, with the token and extra query parameters. */
  socketUrl(path: string, query: Record<string, string> = {}): string {
    const u = new URL(this.url + path);
    u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    if (this.token) u.searchParams.set("token", this.token);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
    return u.toString();
  }

  /** Opens a participant's ingest socket and waits for `ready`. */
  ingest(sessionId: string, participantId: string, options: IngestOptions = {}): Promise<IngestConnection> {
    return IngestConnection.open(this.socketUrl(participantPath(sessionId, participantId, "ingest")), options);
  }

  /** Opens a participant's video socket and waits for `ready`. */
  video(sessionId: string, participantId: string, options: VideoOptions = {}): Promise<VideoConnection> {
    return VideoConnection.open(this.socketUrl(participantPath(sessionId, participantId, "video")), options);
  }

  /** Subscribes to a session's events (reconnecting with `since`). */
  events(sessionId: string, options: EventsOptions = {}): Promise<EventsConnection> {
    const path = `/v1/sessions/${encodeURIComponent(sessionId)}/events`;
    return EventsConnection.open((since) => this.socketUrl(path, { since: String(since) }), options);
  }

  /** GET /v1/health. */
  health(): Promise<Record<string, unknown>> {
    return this.http("GET", "/v1/health");
  }

  /** POST /v1/tokens (needs the admin key or an admin token). */
  createToken(request: TokenRequest): Promise<{ token: string; expiresAt: string }> {
    return this.http("POST", "/v1/tokens", request);
  }

  /** POST /v1/sessions (admin): creates the session if needed. */
  createSession(sessionId?: string): Promise<{ sessionId: string }> {
    return this.http("POST", "/v1/sessions", sessionId ? { sessionId } : {});
  }

  /** A JSON HTTP call; rejects with ClientError "server" (code = the body's `error`) on a non-2xx answer. */
  async http<T>(method: string, path: string, body?: unknown): Promise<T> {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), this.httpTimeoutMs);
    try {
      const headers: Record<string, string> = {};
      if (this.token) headers.authorization = `Bearer ${this.token}`;
      if (body !== undefined) headers["content-type"] = "application/json";
      const res = await fetch(this.url + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: ctl.signal,
      }).catch((err) => {
        throw new ClientError(
          ctl.signal.aborted ? "timeout" : "refused",
          `${method} ${path}: ${(err as Error).message}`,
        );
      });
      const text = await res.text();
      let json: any;
      try {
        json = text ? JSON.parse(text) : {};
      } catch {
        json = { error: "bad_json", message: text.slice(0, 200) };
      }
      if (!res.ok) {
        throw new ClientError(
          "server",
          `${method} ${path}: ${res.status} ${json.message ?? json.error ?? ""}`.trim(),
          json.error,
          false,
        );
      }
      return json as T;
    } finally {
      clearTimeout(timer);
    }
  }
}

function participantPath(sessionId: string, participantId: string, kind: "ingest" | "video"): string {
  return `/v1/sessions/${encodeURIComponent(sessionId)}/participants/${encodeURIComponent(participantId)}/${kind}`;
}
