/**
 * The live view of one session: events socket → SessionModel → one ParticipantView per
 * participant, redrawn at most MAX_FPS times a second on animation frames. Event handling only
 * updates the model, so a burst of events (a replay after reconnecting) costs one redraw.
 */
import { el } from "./dom.js";
import { EventsClient } from "./events_client.js";
import { ParticipantView } from "./participant_view.js";
import { SessionModel } from "./session_model.js";

/** Highest redraw rate, frames per second. */
const MAX_FPS = 10;

/** One session's participants side by side. */
export class Dashboard {
  /**
   * @param {{origin: string, sessionId: string, grid: HTMLElement, localId?: string,
   *   localNow?: () => number | null, onConnection: (s: {state: string, detail: string}) => void,
   *   onSessionError: (e: object) => void, modalities?: string[],
   *   token?: (fresh: boolean) => Promise<string | undefined>,
   *   serverLastSeq?: () => Promise<number | undefined>, probe?: () => Promise<string | undefined>}} options
   *   modalities: the server's loaded emotion models (/v1/health), when known; token, serverLastSeq,
   *   probe: see EventsClientOptions
   */
  constructor(options) {
    this.options = options;
    this.model = new SessionModel(options.sessionId);
    /** @type {Map<string, ParticipantView>} */
    this.views = new Map();
    /** Smallest (browser clock − event wallMs) seen: network delay plus clock skew. */
    this.clockOffsetMs = Infinity;
    this.lastFrame = 0;
    this.raf = 0;
    this.emptyNote = el("p", { class: "muted empty" }, "No participants yet. Join, or wait for someone to join.");
    options.grid.replaceChildren(this.emptyNote);
  }

  /** Connects and starts drawing. */
  start() {
    this.client = new EventsClient({
      origin: this.options.origin,
      sessionId: this.options.sessionId,
      onEvent: (e) => this.#onEvent(e),
      onState: (s) => this.options.onConnection(s),
      onError: (e) => this.options.onSessionError(e),
      onReset: () => this.#reset(),
      token: this.options.token,
      serverLastSeq: this.options.serverLastSeq,
      probe: this.options.probe,
    });
    this.client.connect();
    const loop = (t) => {
      this.raf = requestAnimationFrame(loop);
      if (t - this.lastFrame < 1000 / MAX_FPS - 2) return;
      this.lastFrame = t;
      this.#render();
    };
    this.raf = requestAnimationFrame(loop);
  }

  /** Disconnects and stops drawing. */
  stop() {
    cancelAnimationFrame(this.raf);
    this.client?.close();
  }

  #onEvent(e) {
    if (typeof e.wallMs === "number") this.clockOffsetMs = Math.min(this.clockOffsetMs, Date.now() - e.wallMs);
    const p = this.model.apply(e);
    if (e.type === "error" && !e.participantId) this.options.onSessionError(e);
    if (!p || this.views.has(p.id)) return;
    const local = p.id === this.options.localId;
    const modelsLoaded = this.options.modalities ? this.options.modalities.length > 0 : undefined;
    const view = new ParticipantView(p, { local, modelsLoaded });
    this.views.set(p.id, view);
    this.emptyNote.remove();
    if (local) this.options.grid.prepend(view.root);
    else this.options.grid.append(view.root);
  }

  /** Forgets every participant: the server restarted and replays the session from its start. */
  #reset() {
    this.model = new SessionModel(this.options.sessionId);
    this.views.clear();
    this.options.grid.replaceChildren(this.emptyNote);
    this.options.onSessionError({
      code: "history_reset",
      message: "the server restarted; the session's history starts again",
      recoverable: true,
    });
  }

  /** A participant's media time now: exact for this browser's stream, extrapolated for others. */
  #nowFor(p) {
    if (p.id === this.options.localId && p.active) {
      const local = this.options.localNow?.();
      if (local !== null && local !== undefined) return Math.max(local, p.mediaMs);
    }
    if (!p.active || !Number.isFinite(this.clockOffsetMs) || !p.mediaWallMs) return p.mediaMs;
    const serverNow = Date.now() - this.clockOffsetMs;
    return p.mediaMs + Math.max(0, serverNow - p.mediaWallMs);
  }

  #render() {
    for (const view of this.views.values()) view.render(this.#nowFor(view.p));
  }

  /** Summary for the status line and tests. */
  snapshot() {
    return {
      lastSeq: this.model.lastSeq,
      participants: [...this.model.participants.values()].map((p) => ({
        id: p.id,
        name: p.name,
        active: p.active,
        utterances: [...p.utterances.values()].filter((u) => !u.open).length,
        emotions: p.points.length,
        label: p.current?.label ?? null,
      })),
    };
  }
}
