/**
 * The HTTP and WebSocket surface (Hono). Routes only decode requests and hand them to the
 * session layer; nothing here knows about audio, models or fusion.
 */
import { Hono } from "hono";
import { upgradeWebSocket } from "hono/deno";
import type { Engine } from "../engine/engine.ts";
import type { SessionRegistry } from "../session/session_registry.ts";
import { eventsSocket, type EventsSocketOptions } from "./events_socket.ts";
import { ingestSocket } from "./ingest_socket.ts";
import { staticRoutes, type StaticOptions } from "./static_routes.ts";
import { VideoHub, type VideoHubOptions, videoSocket } from "./video_socket.ts";

/** Options for {@linkcode createApp}. */
export interface AppOptions {
  events?: EventsSocketOptions;
  static?: StaticOptions;
  /** Video sockets: the server-side face pool (lib/face/server_faces.ts) and limits. */
  video?: VideoHubOptions;
}

/** Builds the Hono app over a loaded engine and a session registry. */
export function createApp(engine: Engine, registry: SessionRegistry, options: AppOptions = {}): Hono {
  const app = new Hono();
  const started = Date.now();

  app.get("/v1/health", (c) =>
    c.json({
      status: "ok",
      uptimeS: Math.round((Date.now() - started) / 1000),
      modalities: engine.modalities,
      unavailable: engine.unavailable,
      sessions: registry.sessions.size,
      executionProvider: engine.vad.backend.executionProvider,
      inference: { vad: { ...engine.vad.scheduler.stats, model: engine.vad.backend.stats } },
    }));

  app.get("/v1/models", (c) => c.json({ models: engine.models() }));

  app.get("/v1/sessions", (c) =>
    c.json({
      sessions: [...registry.sessions.values()].map((s) => ({
        id: s.id,
        participants: [...s.participants.values()].map((p) => ({ id: p.id, name: p.name, active: !p.ended })),
        lastSeq: s.events.lastSeq,
      })),
    }));

  app.get(
    "/v1/sessions/:sessionId/participants/:participantId/ingest",
    upgradeWebSocket((c) => ingestSocket(registry, c.req.param("sessionId")!, c.req.param("participantId")!)),
  );

  const video = new VideoHub(registry, { faceModel: engine.face, ...options.video });
  app.get(
    "/v1/sessions/:sessionId/participants/:participantId/video",
    upgradeWebSocket((c) => videoSocket(video, c.req.param("sessionId")!, c.req.param("participantId")!)),
  );

  app.get(
    "/v1/sessions/:sessionId/events",
    upgradeWebSocket((c) => eventsSocket(registry, c.req.param("sessionId")!, c.req.query("since"), options.events)),
  );

  staticRoutes(app, options.static);

  app.onError((err, c) => c.json({ error: "internal", message: err.message }, 500));
  app.notFound((c) => c.json({ error: "not_found", message: `no route for ${c.req.method} ${c.req.path}` }, 404));
  return app;
}
