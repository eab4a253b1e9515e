/**
 * Browser speech recognition (Web Speech API) → transcript segments on the media clock. The API
 * gives no word or segment times, so a segment starts at the detected speech onset (or the first
 * interim result, less TYPICAL_LAG_MS) and ends when its latest result arrived; the server
 * attaches each final segment to the voice-activity utterances it overlaps, so these estimates
 * only need to land inside the right utterance.
 */

/** Typical delay between speaking and the first interim result, ms. */
const TYPICAL_LAG_MS = 800;
/** Fewest ms between two interim messages of one segment (the server only keeps the latest). */
const INTERIM_EVERY_MS = 250;
/** Restarts (Chrome ends recognition after silence) allowed within RESTART_WINDOW_MS before giving up. */
const MAX_RESTARTS = 6;
const RESTART_WINDOW_MS = 30_000;
/** Errors after which recognition will not work in this page. */
const FATAL_ERRORS = new Set([
  "not-allowed",
  "service-not-allowed",
  "network",
  "audio-capture",
  "language-not-supported",
]);

/** The Web Speech API constructor, when the browser has one. */
export function speechRecognitionClass() {
  return globalThis.SpeechRecognition ?? globalThis.webkitSpeechRecognition;
}

/**
 * @typedef {object} TranscriberOptions
 * @property {() => number | null} clock media time now, null while not streaming
 * @property {(segment: {id: string, final: boolean, text: string, startMs: number, endMs: number,
 *   language?: string}) => void} onSegment
 * @property {(state: {state: "listening"|"unavailable"|"stopped", detail: string}) => void} onState
 * @property {string} [language] BCP 47 tag; default the browser's language
 */

/** Continuous recognition with interim results, restarted when the browser stops it. */
export class Transcriber {
  /** @param {TranscriberOptions} options */
  constructor(options) {
    this.options = options;
    this.language = options.language ?? navigator.language ?? "en-US";
    this.run = 0; // recognition sessions started; result indices restart with each
    this.segments = new Map(); // `${run}:${index}` → {startMs, lastSentAt, final}
    this.speechOnsetMs = null;
    this.lastFinalEndMs = 0;
    this.restarts = [];
    this.active = false;
  }

  /** Starts listening; reports "unavailable" when the API is missing or refuses. */
  start() {
    const Recognition = speechRecognitionClass();
    if (!Recognition) {
      this.#state("unavailable", "this browser has no speech recognition; type what you say below");
      return;
    }
    this.active = true;
    this.#open(Recognition);
  }

  /** Stops listening. */
  stop() {
    this.active = false;
    try {
      this.rec?.abort();
    } catch { /* already stopped */ }
    this.#state("stopped", "speech recognition stopped");
  }

  #open(Recognition) {
    const rec = new Recognition();
    this.rec = rec;
    this.run++;
    rec.continuous = true;
    rec.interimResults = true;
    rec.lang = this.language;
    rec.onstart = () => this.#state("listening", `listening (${this.language})`);
    rec.onspeechstart = () => (this.speechOnsetMs = this.options.clock());
    rec.onresult = (ev) => this.#onResult(ev);
    rec.onerror = (ev) => {
      if (FATAL_ERRORS.has(ev.error)) {
        this.active = false;
        this.#state("unavailable", `speech recognition unavailable (${ev.error}); type what you say below`);
      }
    };
    rec.onend = () => {
      if (!this.active || this.rec !== rec) return;
      const now = performance.now();
      this.restarts = this.restarts.filter((t) => now - t < RESTART_WINDOW_MS);
      if (this.restarts.length >= MAX_RESTARTS) {
        this.active = false;
        this.#state("unavailable", "speech recognition keeps stopping; type what you say below");
        return;
      }
      this.restarts.push(now);
      this.#open(Recognition);
    };
    try {
      rec.start();
    } catch (err) {
      this.active = false;
      this.#state("unavailable", `speech recognition unavailable (${err.message}); type what you say below`);
    }
  }

  #onResult(ev) {
    const now = this.options.clock();
    if (now === null) return;
    for (let i = ev.resultIndex; i < ev.results.length; i++) {
      const result = ev.results[i];
      const text = result[0]?.transcript?.trim() ?? "";
      const key = `${this.run}:${i}`;
      let seg = this.segments.get(key);
      if (!seg) {
        const onset = this.speechOnsetMs ?? now - TYPICAL_LAG_MS;
        seg = { startMs: Math.max(this.lastFinalEndMs, onset, 0), lastSentAt: -Infinity, final: false };
        this.speechOnsetMs = null;
        this.segments.set(key, seg);
      }
      if (seg.final || !text) continue;
      const wall = performance.now();
      if (!result.isFinal && wall - seg.lastSentAt < INTERIM_EVERY_MS) continue;
      seg.lastSentAt = wall;
      const endMs = Math.max(now, seg.startMs);
      if (result.isFinal) {
        seg.final = true;
        this.lastFinalEndMs = endMs;
      }
      this.options.onSegment({
        id: `sr-${key.replace(":", "-")}`,
        final: result.isFinal,
        text,
        startMs: seg.startMs,
        endMs,
        language: this.language,
      });
    }
    if (this.segments.size > 256) this.segments.delete(this.segments.keys().next().value);
  }

  #state(state, detail) {
    this.options.onState?.({ state, detail });
  }
}
