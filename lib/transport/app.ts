/**
 * The HTTP and WebSocket surface (Hono). Routes only decode requests, ask the grant lib/auth
 * put on the context, and hand work to the session layer; nothing here knows about audio,
 * models or fusion. Every refusal happens before a WebSocket upgrade: 401 (no, bad or expired
 * token), 403 (out of scope, foreign Origin, non-loopback Host on a loopback bind).
 */
import { Hono } from "hono";
import { upgradeWebSocket } from "hono/deno";
import type { Grant } from "../auth/grant.ts";
import { type AuthEnv, requireAdmin, requireGrant, requireSession } from "../auth/middleware.ts";
import { loopbackHostGuard, originGuard, securityHeaders } from "../auth/request_guard.ts";
import { TokenIssuer } from "../auth/token_issuer.ts";
import { encodeBase64Url } from "../auth/base64url.ts";
import type { Engine } from "../engine/engine.ts";
import type { Logger } from "../log/logger.ts";
import { CloseCode, ProtocolError } from "../protocol/errors.ts";
import { SCHEMA_VERSION } from "../protocol/events.ts";
import { ID_PATTERN } from "../protocol/ids.ts";
import type { SessionRegistry } from "../session/session_registry.ts";
import { eventsSocket, type EventsSocketOptions } from "./events_socket.ts";
import { exportTimeline } from "./export_timeline.ts";
import { ingestSocket, type IngestSetup, type IngestSocketOptions } from "./ingest_socket.ts";
import { DEFAULT_FACE_MODEL_URL, staticRoutes, type StaticOptions } from "./static_routes.ts";
import { webSocketHandshake } from "./ws_handshake.ts";
import { VideoHub, type VideoHubOptions, videoSocket } from "./video_socket.ts";
import { asyncApiDocument } from "../protocol/asyncapi.ts";

/** Access options of {@linkcode createApp}. */
export interface AppAuthOptions {
  /** Verifies tokens; default: a fresh admin key nobody knows (every protected route refuses). */
  issuer?: TokenIssuer;
  /** Origins allowed besides the server's own (WebSocket upgrades and non-GET requests). */
  allowedOrigins?: string[];
  /** The server is bound to loopback: refuse other Host headers (DNS rebinding). Default true. */
  loopback?: boolean;
}

/** Options for {@linkcode createApp}. */
export interface AppOptions {
  events?: EventsSocketOptions;
  ingest?: IngestSocketOptions;
  static?: StaticOptions;
  /** Video sockets: the server-side face pool (lib/face/server_faces.ts) and limits. */
  video?: VideoHubOptions;
  auth?: AppAuthOptions;
  logger?: Logger;
  /** How long stored data is kept, in ms (reported by /v1/health so consent screens can say it). */
  retentionMs?: number;
}

const bad = (message: string) => ({ error: "bad_request", message });

/** Builds the Hono app over a loaded engine and a session registry. */
export function createApp(engine: Engine, registry: SessionRegistry, options: AppOptions = {}): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const started = Date.now();
  const issuer = options.auth?.issuer ?? new TokenIssuer(encodeBase64Url(crypto.getRandomValues(new Uint8Array(32))));
  const log = options.logger;

  if (options.auth?.loopback ?? true) app.use("*", loopbackHostGuard());
  app.use("*", securityHeaders({ connectOrigins: options.static?.faceModelPath ? [] : [new URL(DEFAULT_FACE_MODEL_URL).origin] }));
  app.use("*", originGuard(options.auth?.allowedOrigins ?? []));

  app.get("/v1/health", (c) => {
    const store = registry.store.health();
    const backlog = registry.storeBacklog();
    const degraded = store.status === "degraded" || backlog.degraded;
    return c.json({
      status: degraded ? "degraded" : "ok",
      schemaVersion: SCHEMA_VERSION,
      ...(options.retentionMs ? { retentionMs: options.retentionMs } : {}),
      uptimeS: Math.round((Date.now() - started) / 1000),
      modalities: engine.modalities,
      unavailable: engine.unavailable,
      executionProvider: engine.vad.backend.executionProvider,
      inference: {
        vad: { ...engine.vad.scheduler.stats, model: engine.vad.backend.stats, gatedFrames: engine.vad.gatedFrames },
        // server-side faces of video sockets: frames measured, dropped (overloaded), undecodable…
        ...(video.faces ? { videoFaces: video.faces.stats } : {}),
      },
      store: {
        engine: store.engine,
        status: degraded ? "degraded" : "ok",
        ...(store.error ?? backlog.error ? { error: store.error ?? backlog.error } : {}),
        pendingWrites: backlog.pendingWrites + (store.pendingWrites ?? 0),
      },
    });
  });

  app.post("/v1/login", async (c) => {
    const body = await c.req.json().catch(() => null) as { token?: unknown } | null;
    if (!body || typeof body.token !== "string" || !body.token) return c.json(bad('body must be {"token": "<login token>"}'), 400);
    try {
      const { token, expiresAt } = await issuer.login(body.token);
      log?.info("admin login");
      return c.json({ token, expiresAt });
    } catch (err) {
      log?.warn("login refused");
      return c.json({ error: "unauthorized", message: (err as Error).message }, 401);
    }
  });

  app.post("/v1/tokens", requireAdmin(issuer), async (c) => {
    const b = await c.req.json().catch(() => null) as Record<string, unknown> | null;
    if (!b || typeof b !== "object") return c.json(bad("body must be a JSON object"), 400);
    const { sessionId, role, participantId, ttlS, consent, name } = b;
    if (typeof sessionId !== "string" || !ID_PATTERN.test(sessionId)) {
      return c.json(bad(`sessionId must match ${ID_PATTERN.source}`), 400);
    }
    if (role !== "ingest" && role !== "view") return c.json(bad('role must be "ingest" or "view"'), 400);
    if (role === "ingest" && (typeof participantId !== "string" || !ID_PATTERN.test(participantId))) {
      return c.json(bad(`an ingest token needs participantId matching ${ID_PATTERN.source}`), 400);
    }
    if (participantId !== undefined && (typeof participantId !== "string" || !ID_PATTERN.test(participantId))) {
      return c.json(bad(`participantId must match ${ID_PATTERN.source}`), 400);
    }
    if (ttlS !== undefined && (typeof ttlS !== "number" || !(ttlS > 0) || ttlS > 86_400)) {
      return c.json(bad("ttlS must be a number of seconds in (0, 86400]"), 400);
    }
    if (consent !== undefined && typeof consent !== "boolean") return c.json(bad("consent must be a boolean"), 400);
    if (name !== undefined && (typeof name !== "string" || name.length > 64)) {
      return c.json(bad("name must be a string of at most 64 characters"), 400);
    }
    const minted = await issuer.mint({
      sessionId,
      role,
      ...(role === "ingest" ? { participantId: participantId as string } : {}),
      ...(ttlS !== undefined ? { ttlS: ttlS as number } : {}),
      ...(consent !== undefined ? { consent: consent as boolean } : {}),
      ...(name !== undefined ? { name: name as string } : {}),
    });
    log?.info("token minted", { sessionId, role, participantId, jti: minted.grant.jti, expiresAt: minted.expiresAt });
    return c.json({ token: minted.token, expiresAt: minted.expiresAt }, 201);
  });

  app.get("/v1/models", requireGrant(issuer), (c) => c.json({ models: engine.models() }));
  // The protocol as AsyncAPI 3.0 (lib/protocol/asyncapi.ts); any valid token, like /v1/models.
  app.get("/v1/asyncapi.json", requireGrant(issuer), (c) => c.json(asyncApiDocument()));

  app.get("/v1/sessions", requireAdmin(issuer), async (c) => {
    const records = await registry.store.listSessions();
    return c.json({
      sessions: records.map((r) => {
        const held = registry.peek(r.sessionId);
        return {
          id: r.sessionId,
          createdWallMs: r.createdWallMs,
          lastActivityWallMs: r.lastActivityWallMs,
          participants: r.participants.map((p) => ({
            id: p.participantId,
            ...(p.name !== undefined ? { name: p.name } : {}),
            active: held?.participants.has(p.participantId) ?? false,
          })),
          lastSeq: Math.max(r.lastSeq, held?.events.lastSeq ?? 0),
        };
      }),
    });
  });

  app.post("/v1/sessions", requireAdmin(issuer), async (c) => {
    const b = await c.req.json().catch(() => ({})) as { sessionId?: unknown } | null;
    const requested = b && typeof b === "object" ? b.sessionId : undefined;
    if (requested !== undefined && (typeof requested !== "string" || !ID_PATTERN.test(requested))) {
      return c.json(bad(`sessionId must match ${ID_PATTERN.source}`), 400);
    }
    const sessionId = (requested as string | undefined) ?? `s-${encodeBase64Url(crypto.getRandomValues(new Uint8Array(9)))}`;
    try {
      const { created } = await registry.create(sessionId);
      if (created) log?.info("session created", { sessionId });
      return c.json({ sessionId }, created ? 201 : 200);
    } catch (err) {
      if (err instanceof ProtocolError) return c.json({ error: err.code, message: err.message }, 429);
      throw err;
    }
  });

  app.delete("/v1/sessions/:sessionId", requireAdmin(issuer), async (c) => {
    const sessionId = c.req.param("sessionId");
    if (!ID_PATTERN.test(sessionId)) return c.json(bad("bad session id"), 400);
    const report = await registry.erase(sessionId);
    if (!report) return c.json({ error: "session_not_found", message: "no such session" }, 404);
    log?.info("session erased", { ...report });
    return c.json(report);
  });

  app.delete("/v1/sessions/:sessionId/participants/:participantId", requireAdmin(issuer), async (c) => {
    const { sessionId, participantId } = c.req.param();
    if (!ID_PATTERN.test(sessionId) || !ID_PATTERN.test(participantId)) return c.json(bad("bad id"), 400);
    const report = await registry.eraseParticipant(sessionId, participantId);
    if (!report) return c.json({ error: "session_not_found", message: "no such session" }, 404);
    log?.info("participant erased", { ...report });
    return c.json(report);
  });

  app.get("/v1/sessions/:sessionId/viewers", requireSession(issuer, "view"), async (c) => {
    const sessionId = c.req.param("sessionId");
    if (!ID_PATTERN.test(sessionId)) return c.json(bad("bad session id"), 400);
    const s = registry.peek(sessionId) ?? (await registry.store.hasSession(sessionId) ? undefined : null);
    if (s === null) return c.json({ error: "session_not_found", message: "no such session" }, 404);
    return c.json({ viewers: s ? [...s.viewers.values()] : [] });
  });

  app.get("/v1/sessions/:sessionId/export", requireSession(issuer, "view"), async (c) => {
    const sessionId = c.req.param("sessionId");
    const format = c.req.query("format") ?? "jsonl";
    if (format !== "jsonl" && format !== "csv") return c.json(bad('format must be "jsonl" or "csv"'), 400);
    if (!ID_PATTERN.test(sessionId)) return c.json(bad("bad session id"), 400);
    const session = await registry.open(sessionId).catch(() => undefined);
    if (!session) return c.json({ error: "session_not_found", message: "no such session" }, 404);
    return exportTimeline(session.events, sessionId, format);
  });

  app.get(
    "/v1/sessions/:sessionId/participants/:participantId/ingest",
    webSocketHandshake(),
    requireSession(issuer, "ingest"),
    upgradeWebSocket(async (c) => {
      const { sessionId, participantId } = c.req.param();
      const grant: Grant = c.get("grant");
      const setup: IngestSetup = {};
      try {
        if (!ID_PATTERN.test(participantId)) {
          throw new ProtocolError("bad_id", `participant id must match ${ID_PATTERN.source}`, false);
        }
        setup.session = await registry.open(sessionId, { create: true });
        setup.slot = await setup.session!.connect(participantId);
      } catch (err) {
        setup.error = err;
      }
      return ingestSocket(setup, grant, sessionId, participantId, options.ingest);
    }),
  );

  const video = new VideoHub(registry, { faceModel: engine.face, ...options.video });
  app.get(
    "/v1/sessions/:sessionId/participants/:participantId/video",
    webSocketHandshake(),
    requireSession(issuer, "ingest"),
    upgradeWebSocket((c) => videoSocket(video, c.get("grant"), c.req.param("sessionId")!, c.req.param("participantId")!)),
  );

  app.get(
    "/v1/sessions/:sessionId/events",
    webSocketHandshake(),
    requireSession(issuer, "view"),
    upgradeWebSocket(async (c) => {
      const sessionId = c.req.param("sessionId")!;
      let session;
      try {
        session = await registry.open(sessionId);
      } catch (err) {
        const e = err instanceof ProtocolError ? err : new ProtocolError("internal", String(err), false, CloseCode.internalError);
        return eventsSocket(undefined, c.get("grant"), undefined, options.events, e);
      }
      return eventsSocket(session, c.get("grant"), c.req.query("since"), options.events);
    }),
  );

  staticRoutes(app, options.static);

  app.onError((err, c) => {
    log?.error("request failed", { path: c.req.path, error: String(err) });
    return c.json({ error: "internal", message: "internal error" }, 500);
  });
  app.notFound((c) => c.json({ error: "not_found", message: `no route for ${c.req.method} ${c.req.path}` }, 404));
  return app;
}
