/**
 * Who is watching a session, polled (GET /v1/sessions/{sid}/viewers every few seconds), so the
 * participants of a call always see who receives their estimates.
 */
import { refusalText } from "./access.js";
import { viewersText } from "./consent_text.js";

/** How often the viewers are asked for, ms. */
export const VIEWERS_INTERVAL_MS = 3000;

/** Polls a session's viewers into one or more text elements. */
export class ViewersPoller {
  /**
   * @param {import("./access.js").Access} access
   * @param {string} sessionId
   * @param {HTMLElement[]} targets elements whose text becomes the viewer list
   */
  constructor(access, sessionId, targets, intervalMs = VIEWERS_INTERVAL_MS) {
    this.access = access;
    this.sessionId = sessionId;
    this.targets = targets;
    this.intervalMs = intervalMs;
    /** Latest list, for the page's status and tests. */
    this.viewers = [];
    this.timer = undefined;
  }

  /** Polls now and every interval until stop(). */
  start() {
    this.stop();
    this.poll();
    this.timer = setInterval(() => this.poll(), this.intervalMs);
    return this;
  }

  /** Stops polling. */
  stop() {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Asks once and writes the list (or why it is unknown) into the targets. */
  async poll() {
    let text;
    try {
      this.viewers = await this.access.viewers(this.sessionId);
      text = viewersText(this.viewers);
    } catch (err) {
      text = `not known right now (${refusalText(err)})`;
    }
    for (const t of this.targets) t.textContent = text;
  }
}
