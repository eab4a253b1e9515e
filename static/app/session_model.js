/**
 * The dashboard's picture of a session, built only from the events socket (lib/protocol/events.ts):
 * participants, their emotion estimates over time, utterances, shifts and errors. Pure data, no
 * DOM, so it is tested in Deno with recorded events. Bounded: old points and utterances drop out.
 */

/** How much emotion history a participant keeps, in ms of media time (the charts show 2 min). */
export const HISTORY_MS = 5 * 60_000;
/** Most emotion points kept per participant. */
export const MAX_POINTS = 3000;
/** Most utterances kept per participant. */
export const MAX_UTTERANCES = 200;
/** Most errors kept per participant and for the session. */
export const MAX_ERRORS = 20;

/**
 * @typedef {object} EmotionPoint One estimate on a participant's media clock.
 * @property {number} tMs end of the span the estimate is about
 * @property {number} startMs
 * @property {number[]} probs
 * @property {number} valence
 * @property {number} arousal
 * @property {"partial"|"final"|"window"} kind
 * @property {string} utteranceId
 * @property {any} event the emotion event the point comes from
 */

/** One participant's state. */
export class ParticipantState {
  constructor(id) {
    this.id = id;
    /** Display name from `participant.joined`. */
    this.name = undefined;
    this.active = false;
    /** `participant.left` reason, when it left. */
    this.leftReason = undefined;
    /** How many times this id joined; a rejoin starts a new media clock at 0. */
    this.joins = 0;
    /** @type {EmotionPoint[]} in time order */
    this.points = [];
    /** @type {Map<string, any>} utterances by id, in insertion order */
    this.utterances = new Map();
    /** @type {any[]} shift events */
    this.shifts = [];
    /** @type {any[]} error events concerning this participant */
    this.errors = [];
    /**
     * @type {any} The headline: the estimate of the latest utterance (its final or update, else its
     * running partial), the event itself. Face-only windows never take it over: they are in `window`.
     * It is always the event of the last non-window point, so the chart's end labels agree with it.
     */
    this.current = undefined;
    /** @type {any} Latest face-only window estimate between utterances (an `emotion` with window: true). */
    this.window = undefined;
    /** Highest media time any event mentioned, and the server wall time of that event. */
    this.mediaMs = 0;
    this.mediaWallMs = 0;
    /** Bumped on every change, so views redraw only what changed. */
    this.version = 0;
  }

  /** Display label: the name, else the id. */
  get label() {
    return this.name || this.id;
  }

  /** Utterances newest first. */
  utterancesNewestFirst() {
    return [...this.utterances.values()].reverse();
  }
}

/** A session's state, fed event by event. */
export class SessionModel {
  constructor(sessionId) {
    this.sessionId = sessionId;
    /** @type {Map<string, ParticipantState>} */
    this.participants = new Map();
    /** Highest seq applied; resume the events socket with since=lastSeq. */
    this.lastSeq = 0;
    /** @type {any[]} Session-wide errors (no participantId). */
    this.errors = [];
    this.version = 0;
  }

  /** The participant's state, created on first mention. */
  participant(id) {
    let p = this.participants.get(id);
    if (!p) {
      p = new ParticipantState(id);
      this.participants.set(id, p);
    }
    return p;
  }

  /**
   * Applies one event. Events at or below lastSeq are duplicates (a resume overlaps) and are
   * ignored. Returns the participant the event concerned, or undefined.
   */
  apply(e) {
    // Live-only events (emotion.partial, unless the server stores them) carry no seq: they are
    // applied as they come and never move the resume point.
    const liveOnly = e?.type === "emotion.partial" && typeof e.seq !== "number";
    if (!liveOnly) {
      if (typeof e?.seq !== "number" || e.seq <= this.lastSeq) return undefined;
      this.lastSeq = e.seq;
    }
    this.version++;
    if (!e.participantId) {
      if (e.type === "error") pushBounded(this.errors, e, MAX_ERRORS);
      return undefined;
    }
    const p = this.participant(e.participantId);
    p.version++;
    switch (e.type) {
      case "participant.joined":
        if (p.joins > 0) resetStreams(p);
        p.joins++;
        // Media time 0 is (about) the moment of joining; remote clocks extrapolate from here.
        if (p.mediaMs === 0) p.mediaWallMs = e.wallMs;
        p.active = true;
        p.leftReason = undefined;
        if (e.name) p.name = e.name;
        break;
      case "participant.left":
        p.active = false;
        p.leftReason = e.reason;
        noteMedia(p, e.mediaMs, e.wallMs);
        break;
      case "utterance.start":
        p.utterances.set(e.utteranceId, { id: e.utteranceId, startMs: e.startMs, open: true });
        trimMap(p.utterances, MAX_UTTERANCES);
        noteMedia(p, e.startMs, e.wallMs);
        break;
      case "utterance.end": {
        const u = p.utterances.get(e.utteranceId) ?? { id: e.utteranceId };
        Object.assign(u, {
          startMs: e.startMs,
          endMs: e.endMs,
          durationMs: e.durationMs,
          reason: e.reason,
          acoustics: e.acoustics,
          open: false,
        });
        p.utterances.set(e.utteranceId, u);
        trimMap(p.utterances, MAX_UTTERANCES);
        noteMedia(p, e.endMs, e.wallMs);
        break;
      }
      case "emotion.partial":
      case "emotion":
      case "emotion.update":
        applyEmotion(p, e);
        break;
      case "shift":
        pushBounded(p.shifts, e, MAX_UTTERANCES);
        noteMedia(p, e.endMs, e.wallMs);
        break;
      case "error":
        pushBounded(p.errors, e, MAX_ERRORS);
        break;
    }
    return p;
  }
}

function applyEmotion(p, e) {
  const kind = e.window ? "window" : e.type === "emotion.partial" ? "partial" : "final";
  const point = {
    tMs: e.endMs,
    startMs: e.startMs,
    probs: e.probs,
    valence: e.valence,
    arousal: e.arousal,
    kind,
    utteranceId: e.utteranceId,
    event: e,
  };
  noteMedia(p, e.endMs, e.wallMs);
  if (e.window) {
    p.window = e;
    addPoint(p, point);
    return;
  }
  const u = p.utterances.get(e.utteranceId) ?? { id: e.utteranceId, startMs: e.startMs, open: true };
  p.utterances.set(e.utteranceId, u);
  if (e.type === "emotion.partial") {
    // A partial that arrives after its utterance's final is stale: the final supersedes it.
    if (u.emotion) return;
    u.partial = e;
  } else {
    u.emotion = e;
    u.partial = undefined;
    if (e.text !== undefined) u.text = e.text;
    if (e.type === "emotion.update") u.updated = true;
    // The final (or its update) supersedes every earlier estimate of the utterance: a partial
    // over a running span can end after the final's span and would otherwise stay the chart's
    // last point, disagreeing with the headline.
    p.points = p.points.filter((q) => q.utteranceId !== e.utteranceId || q.kind === "window");
  }
  addPoint(p, point);
  p.current = latestUtterancePoint(p)?.event;
}

function addPoint(p, point) {
  insertByTime(p.points, point);
  const horizon = p.points[p.points.length - 1].tMs - HISTORY_MS;
  while (p.points.length > MAX_POINTS || (p.points.length && p.points[0].tMs < horizon)) p.points.shift();
}

/** The last point that is an utterance estimate (not a face-only window). */
export function latestUtterancePoint(p) {
  for (let i = p.points.length - 1; i >= 0; i--) if (p.points[i].kind !== "window") return p.points[i];
  return undefined;
}

/** A rejoin restarts the participant's media clock at 0: earlier points and ids no longer line up. */
function resetStreams(p) {
  p.points = [];
  p.utterances = new Map();
  p.shifts = [];
  p.current = undefined;
  p.window = undefined;
  p.mediaMs = 0;
  p.mediaWallMs = 0;
}

function noteMedia(p, ms, wallMs) {
  if (Number.isFinite(ms) && ms >= p.mediaMs) {
    p.mediaMs = ms;
    p.mediaWallMs = wallMs ?? p.mediaWallMs;
  }
}

function insertByTime(points, point) {
  let i = points.length;
  while (i > 0 && points[i - 1].tMs > point.tMs) i--;
  points.splice(i, 0, point);
}

function pushBounded(list, item, max) {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

function trimMap(map, max) {
  while (map.size > max) map.delete(map.keys().next().value);
}
