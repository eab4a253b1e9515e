/**
 * The entry point of the typed client: one server URL and token, and the three sockets of the
 * protocol (ingest, video, events) plus the HTTP calls a bot needs (health, tokens, sessions).
 * Tokens travel as `?token=` on sockets (browsers cannot set WebSocket headers) and as
 * `Authorization: Bearer` on HTTP.
 */
import { ClientError } from "./errors.ts";
import { EventsConnection, type EventsOptions } from "./events_connection.ts";
import type { TokenProvider } from "./types.ts";
import { IngestConnection, type IngestOptions } from "./ingest_connection.ts";
import { VideoConnection, type VideoOptions } from "./video_connection.ts";

/** Options of {@linkcode AffectstreamClient}. */
export interface AffectstreamClientOptions {
  /** Server base URL, e.g. "http://127.0.0.1:8787". */
  url: string;
  /**
   * An ingest, view or admin token (or the admin key), or a provider called before every
   * (re)connect and HTTP call, and with `fresh` true after a 4401 (expired) close.
   */
  token?: string | TokenProvider;
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
  /** The token, when a fixed one was given. */
  readonly token?: string;
  /** The token provider, when one was given. */
  readonly tokenProvider?: TokenProvider;
  readonly httpTimeoutMs: number;

  constructor(options: AffectstreamClientOptions) {
    const u = new URL(options.url);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new TypeError("url must be http:// or https://");
    this.url = u.origin + u.pathname.replace(/\/+$/, "");
    if (typeof options.token === "function") this.tokenProvider = options.token;
    else this.token = options.token;
    this.httpTimeoutMs = options.httpTimeoutMs ?? 10_000;
  }

  /** The same server with another token (or token provider). */
  withToken(token: string | TokenProvider): AffectstreamClient {
    return new AffectstreamClient({ url: this.url, token, httpTimeoutMs: this.httpTimeoutMs });
  }

  /** The token to use now: the fixed one, or the provider's (`fresh`: the last one was refused). */
  async getToken(fresh = false): Promise<string | undefined> {
    return this.tokenProvider ? await this.tokenProvider(fresh) : this.token;
  }

  /** ws(s):// URL of a path, with the (fixed) token and extra query parameters. */
  socketUrl(path: string, query: Record<string, string> = {}, token = this.token): string {
    const u = new URL(this.url + path);
    u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    if (token) u.searchParams.set("token", token);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
    return u.toString();
  }

  /** Opens a participant's ingest socket and waits for `ready`. */
  ingest(sessionId: string, participantId: string, options: IngestOptions = {}): Promise<IngestConnection> {
    const path = participantPath(sessionId, participantId, "ingest");
    if (options.reconnect) return IngestConnection.open(this.#mediaUrl(path), options);
    return this.#openMedia((token) => IngestConnection.open(this.socketUrl(path, {}, token), options));
  }

  /** Opens a participant's video socket and waits for `ready`. */
  video(sessionId: string, participantId: string, options: VideoOptions = {}): Promise<VideoConnection> {
    const path = participantPath(sessionId, participantId, "video");
    if (options.reconnect) return VideoConnection.open(this.#mediaUrl(path), options);
    return this.#openMedia((token) => VideoConnection.open(this.socketUrl(path, {}, token), options));
  }

  /** Subscribes to a session's events (reconnecting with `since`); resolves once the first socket is open. */
  events(sessionId: string, options: EventsOptions = {}): Promise<EventsConnection> {
    return EventsConnection.open(this.#eventsUrl(sessionId), this.#eventsOptions(options));
  }

  /**
   * Subscribes in the background (the first connect is retried like a reconnect, e.g. while the
   * server or the session is not there yet); returns at once. Progress comes through `on`.
   */
  subscribe(sessionId: string, options: EventsOptions = {}): EventsConnection {
    return EventsConnection.start(this.#eventsUrl(sessionId), this.#eventsOptions(options));
  }

  #eventsUrl(sessionId: string) {
    const path = `/v1/sessions/${encodeURIComponent(sessionId)}/events`;
    return async (since: number, fresh: boolean) =>
      this.socketUrl(path, { since: String(since) }, await this.getToken(fresh));
  }

  /** A media socket URL per (re)connect, with a fresh token after a 4401 close when a provider can mint one. */
  #mediaUrl(path: string) {
    return async (fresh: boolean) => this.socketUrl(path, {}, await this.getToken(fresh));
  }

  #eventsOptions(options: EventsOptions): EventsOptions {
    return this.tokenProvider && options.refreshToken === undefined ? { ...options, refreshToken: true } : options;
  }

  /** Opens with the current token; with a provider, once more with a fresh one after an unauthorized refusal. */
  async #openMedia<T>(open: (token: string | undefined) => Promise<T>): Promise<T> {
    try {
      return await open(await this.getToken(false));
    } catch (err) {
      const unauthorized = err instanceof ClientError && (err.code === "unauthorized" || err.closeCode === 4401);
      if (!this.tokenProvider || !unauthorized) throw err;
      return await open(await this.getToken(true));
    }
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
      const token = await this.getToken(false);
      if (token) headers.authorization = `Bearer ${token}`;
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
