/**
 * The video WebSocket of one participant (call bots): each binary message is an 8-byte
 * little-endian float64 `timeMs` on the participant's media clock followed by one encoded image
 * (JPEG, PNG or WebP). The server measures the faces (lib/face/server_faces.ts), gives them
 * stable ids, feeds the primary face to the participant's stream — the one its ingest socket
 * opened, or a video-only one this socket opens when no ingest socket comes — and adds every
 * face to the participant's emotion events (`faces`).
 *
 * Frames are measured concurrently but delivered in order, so the face stream sees media
 * time moving forward. Live video drops: over the rate, over the queue, or unreadable frames
 * are refused with a recoverable error (throttled per code), never buffered.
 */
import type { WSContext, WSEvents } from "hono/ws";
import type { Grant } from "../auth/grant.ts";
import type { FaceModel } from "../face/face_model.ts";
import type { FaceFrame } from "../face/face_frame.ts";
import { type FaceMeasurement, ServerFaces } from "../face/server_faces.ts";
import { sniffImage } from "../face/server_faces_image.ts";
import { ParticipantFaces } from "../face/server_faces_participant.ts";
import { parseClientMessage } from "../protocol/client_messages.ts";
import { CloseCode, ProtocolError } from "../protocol/errors.ts";
import { type EventBody, SCHEMA_VERSION } from "../protocol/events.ts";
import { validateId } from "../protocol/ids.ts";
import type { ParticipantStream } from "../session/participant.ts";
import type { ParticipantSlot, Session } from "../session/session.ts";
import type { SessionRegistry } from "../session/session_registry.ts";
import { ErrorThrottle } from "../session/error_throttle.ts";

/** Bytes of the timeMs header of a video message. */
export const VIDEO_HEADER_BYTES = 8;
/** Most frames per second per participant. */
export const MAX_VIDEO_FPS = 5;

/** Options for {@linkcode VideoHub}. */
export interface VideoHubOptions {
  /** The face measurement pool (started on the first video socket). Absent: video sockets are refused. */
  faces?: ServerFaces;
  /** Face model for per-face labels in events (the engine's). */
  faceModel?: FaceModel;
  /** Frames per second accepted per participant (token bucket of the same depth). Default 5. */
  maxFps?: number;
  /** Frames of one participant being measured at once; more are refused with `overloaded`. Default 4. */
  maxInFlight?: number;
  /**
   * How long the first measured frame waits for the participant's ingest socket before this
   * socket opens a video-only participant, in ms. Default 2000.
   */
  joinGraceMs?: number;
  /** A video socket that sends nothing for this long is closed (1008, `timeout`), in ms. Default 60000. */
  idleTimeoutMs?: number;
}

/** What every video socket of a server shares: the pool and who is connected. */
export class VideoHub {
  readonly faces?: ServerFaces;
  readonly faceModel?: FaceModel;
  readonly maxFps: number;
  readonly maxInFlight: number;
  readonly joinGraceMs: number;
  readonly idleTimeoutMs: number;
  /** "sessionId/participantId" of open video sockets. */
  readonly connected = new Set<string>();

  constructor(readonly registry: SessionRegistry, options: VideoHubOptions = {}) {
    this.faces = options.faces;
    this.faceModel = options.faceModel;
    this.maxFps = options.maxFps ?? MAX_VIDEO_FPS;
    this.maxInFlight = options.maxInFlight ?? 4;
    this.joinGraceMs = options.joinGraceMs ?? 2000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    if (!(this.maxFps > 0 && this.maxFps <= 30)) throw new RangeError("maxFps must be in (0, 30]");
    if (!(Number.isInteger(this.maxInFlight) && this.maxInFlight >= 1)) throw new RangeError("maxInFlight must be ≥ 1");
    if (!(this.joinGraceMs >= 0)) throw new RangeError("joinGraceMs must be ≥ 0");
    if (!(this.idleTimeoutMs >= 100)) throw new RangeError("idleTimeoutMs must be ≥ 100");
  }

  /** Stops the pool (server shutdown). */
  async close(): Promise<void> {
    await this.faces?.close();
  }
}

/** How long an ingest stream's events keep getting faces after its video socket closed, in ms. */
const DECORATE_AFTER_CLOSE_MS = 20_000;

const EMOTION_TYPES = new Set(["emotion", "emotion.partial", "emotion.update"]);

/**
 * WebSocket event handlers for `WS /v1/sessions/{sessionId}/participants/{participantId}/video`.
 * Access was checked before the upgrade (an ingest grant of this participant, or admin); the
 * session is opened (created when needed, as the first authorised ingest does) here.
 */
export async function videoSocket(
  hub: VideoHub,
  grant: Grant,
  sessionId: string,
  participantId: string,
): Promise<WSEvents> {
  let setupError: unknown;
  let opened: Session | undefined;
  try {
    validateId("participant", participantId);
    opened = await hub.registry.open(sessionId, { create: true });
  } catch (err) {
    setupError = err;
  }
  return videoHandlers(hub, grant, sessionId, participantId, opened, setupError);
}

function videoHandlers(
  hub: VideoHub,
  grant: Grant,
  sessionId: string,
  participantId: string,
  session: Session | undefined,
  setupError: unknown,
): WSEvents {
  const key = `${sessionId}/${participantId}`;
  const throttle = new ErrorThrottle();
  const faces = new ParticipantFaces(hub.faceModel);
  let ws: WSContext | undefined;
  let registered = false;
  let closed = false;
  let name: string | undefined;
  let consent = grant.consent === true;
  let slot: ParticipantSlot | undefined;
  /** The stream frames go to, and whether this socket opened it (video-only participant). */
  let target: { stream: ParticipantStream; owned: boolean; undecorate: () => void } | undefined;
  let sawIngest = false;
  let lastTimeMs = -1;
  let inFlight = 0;
  let tokens = hub.maxFps;
  let refillAt = performance.now();
  let chain: Promise<void> = Promise.resolve();
  let lastMessage = performance.now();
  let idleTimer: ReturnType<typeof setInterval> | undefined;

  const report = (err: unknown) => {
    const pe = err instanceof ProtocolError
      ? err
      : new ProtocolError("internal", `internal error: ${(err as Error)?.message ?? err}`, true);
    const suppressed = throttle.admit(pe.code);
    if (suppressed !== null) {
      const message = suppressed ? `${pe.message} (${suppressed} similar suppressed)` : pe.message;
      if (ws?.readyState === 1) {
        ws.send(JSON.stringify({ type: "error", code: pe.code, message, recoverable: pe.recoverable }));
      }
      if (session && !session.erased) {
        void Promise.resolve(
          session.events.publish({ type: "error", participantId, code: pe.code, message, recoverable: pe.recoverable }),
        ).catch(() => {});
      }
    }
    if (!pe.recoverable && !closed) {
      closed = true;
      ws?.close(pe.closeCode, pe.message.slice(0, 120));
    }
  };

  const decorate = (body: EventBody): EventBody => {
    if (!EMOTION_TYPES.has(body.type) || body.participantId !== participantId) return body;
    const b = body as EventBody & { startMs: number; endMs: number };
    const summary = faces.summary(b.startMs, b.endMs);
    return summary ? { ...body, faces: summary } as EventBody : body;
  };

  const attachTo = (stream: ParticipantStream, owned: boolean) => {
    target?.undecorate();
    target = { stream, owned, undecorate: stream.decorateEvents(decorate) };
  };

  /** The participant's live stream: the ingest socket's, else (after the grace period) a video-only one. */
  const resolveTarget = async (): Promise<ParticipantStream | undefined> => {
    const live = () => {
      const p = session!.participants.get(participantId);
      return p && !p.ended ? p : undefined;
    };
    if (target && !target.stream.ended) return target.stream;
    let p = live();
    if (!p && !sawIngest && !target) {
      // Frames still queued when the socket ends are delivered too, so this wait ignores `closed`.
      const deadline = performance.now() + hub.joinGraceMs;
      while (!p && performance.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        p = live();
      }
      if (!p) {
        try {
          slot = await session!.connect(participantId);
        } catch (err) {
          // An ingest socket holds the participant but has not sent hello yet: its stream will come.
          if (err instanceof ProtocolError && err.code === "participant_connected") {
            sawIngest = true;
            return undefined;
          }
          throw err;
        }
        if (!consent) {
          slot.release();
          slot = undefined;
          throw new ProtocolError(
            "consent_required",
            'analysis needs the participant\'s consent: send hello with "consent": true, or use a token minted with consent',
            false,
            CloseCode.forbidden,
          );
        }
        const stream = session!.join(participantId, { consent: true });
        stream.hello({ type: "hello", ...(name ? { name } : {}) });
        attachTo(stream, true);
        return stream;
      }
    }
    if (!p) return undefined; // the ingest stream ended; frames wait for it to come back
    sawIngest = true;
    attachTo(p, false);
    return p;
  };

  const deliver = async (m: FaceMeasurement, timeMs: number) => {
    const stream = await resolveTarget();
    if (!stream) return;
    const tracked = await faces.add(m, timeMs);
    const primary = tracked.find((f) => f.primary);
    const frame: FaceFrame = primary ? primary.frame : { type: "face", timeMs, present: false };
    try {
      stream.face(frame);
    } catch (err) {
      // The ingest socket has not sent hello yet: the frame is lost, quietly (the next one will do).
      if (err instanceof ProtocolError && err.code === "hello_required") return;
      // A frame the ingest socket's face messages already passed: not this socket's failure.
      throw err instanceof ProtocolError && !err.recoverable ? new ProtocolError(err.code, err.message, true) : err;
    }
  };

  const onFrame = (data: ArrayBuffer) => {
    if (data.byteLength <= VIDEO_HEADER_BYTES) {
      throw new ProtocolError("bad_message", `a video message is an 8-byte float64 timeMs followed by an image`);
    }
    const timeMs = new DataView(data).getFloat64(0, true);
    if (!Number.isFinite(timeMs) || timeMs < 0) {
      throw new ProtocolError("bad_message", `video timeMs must be a finite number ≥ 0, got ${timeMs}`);
    }
    if (timeMs <= lastTimeMs) {
      throw new ProtocolError("bad_message", `video timeMs ${timeMs} does not move forward (last ${lastTimeMs})`);
    }
    const image = new Uint8Array(data, VIDEO_HEADER_BYTES);
    sniffImage(image);
    const now = performance.now();
    tokens = Math.min(hub.maxFps, tokens + ((now - refillAt) / 1000) * hub.maxFps);
    refillAt = now;
    if (tokens < 1) throw new ProtocolError("rate_limited", `more than ${hub.maxFps} frames per second; frame dropped`);
    tokens -= 1; // a frame refused below still counts toward the rate
    lastTimeMs = timeMs;
    if (inFlight >= hub.maxInFlight) {
      throw new ProtocolError(
        "overloaded",
        `${inFlight} frames of this participant are still being measured; frame dropped`,
      );
    }
    inFlight++;
    const measured = hub.faces!.measure(image, timeMs);
    measured.catch(() => {}); // handled in order below
    chain = chain.then(async () => {
      try {
        await deliver(await measured, timeMs);
      } catch (err) {
        if (!closed || (err instanceof ProtocolError && !err.recoverable)) report(err);
      } finally {
        inFlight--;
      }
    });
  };

  const finish = async (reason: "end" | "disconnect") => {
    await chain;
    const t = target;
    if (!t) return;
    if (t.owned) {
      if (!t.stream.ended) await t.stream.end(reason);
      t.undecorate();
      slot?.release();
    } else {
      // The ingest stream goes on: its events about spans this socket saw keep their faces a while.
      Deno.unrefTimer(setTimeout(t.undecorate, DECORATE_AFTER_CLOSE_MS));
    }
  };

  return {
    onOpen(_evt, socket) {
      ws = socket;
      (socket.raw as WebSocket).binaryType = "arraybuffer";
      try {
        if (setupError !== undefined) throw setupError;
        if (!session) throw new ProtocolError("session_not_found", "no such session", false, CloseCode.notFound);
        if (!hub.faces) {
          throw new ProtocolError(
            "unsupported_format",
            "this server does not measure video frames (no face landmarker model)",
            false,
          );
        }
        if (hub.connected.has(key)) {
          throw new ProtocolError(
            "participant_connected",
            `participant ${participantId} already has a video socket`,
            false,
            CloseCode.conflict,
          );
        }
        hub.connected.add(key);
        registered = true;
        sawIngest = !!session.participants.get(participantId) && !session.participants.get(participantId)!.ended;
        hub.faces.start().catch((err) =>
          report(new ProtocolError("model_error", `face measurement cannot start: ${err.message}`))
        );
        idleTimer = setInterval(() => {
          if (performance.now() - lastMessage > hub.idleTimeoutMs) {
            report(
              new ProtocolError(
                "timeout",
                `nothing received for ${hub.idleTimeoutMs} ms`,
                false,
                CloseCode.policyViolation,
              ),
            );
          }
        }, Math.max(50, Math.min(1000, Math.floor(hub.idleTimeoutMs / 4))));
        socket.send(JSON.stringify({ type: "ready", sessionId, participantId, schemaVersion: SCHEMA_VERSION }));
      } catch (err) {
        report(err);
      }
    },
    onMessage(evt, socket) {
      if (closed) return;
      lastMessage = performance.now();
      try {
        const data = evt.data;
        if (data instanceof ArrayBuffer) return onFrame(data);
        if (typeof data !== "string") throw new ProtocolError("bad_message", "unsupported frame type");
        const msg = parseClientMessage(data);
        if (msg.type === "hello") {
          if (msg.audio) {
            throw new ProtocolError("bad_message", "audio goes on the ingest socket, not the video socket");
          }
          name = msg.name;
          if (msg.consent === true) consent = true;
        } else if (msg.type === "consent") {
          // Withdrawal: a video-only stream stops at once; an ingest stream is the ingest socket's to stop.
          closed = true;
          if (target?.owned && !target.stream.ended) target.stream.withdraw();
          socket.close(CloseCode.normal, "consent_withdrawn");
        } else if (msg.type === "end") {
          closed = true;
          finish("end").then(() => socket.close(CloseCode.normal, "end"), (err) => report(err));
        } else {
          throw new ProtocolError(
            "unknown_type",
            `the video socket takes binary frames, hello and end, not ${msg.type}`,
          );
        }
      } catch (err) {
        report(err);
      }
    },
    onClose() {
      closed = true;
      clearInterval(idleTimer);
      if (registered) hub.connected.delete(key);
      void finish("disconnect").catch(() => {});
    },
  };
}
