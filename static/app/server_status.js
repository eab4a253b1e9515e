/**
 * The header's server chip: GET /v1/health every few seconds, and at once when the events
 * socket drops, so an outage shows in the header ("server unreachable since …") instead of a
 * stale "server ok", and the return shows too.
 */
import { api } from "./api.js";

/** How often the header checks the server, ms. */
export const HEALTH_INTERVAL_MS = 5000;

/** The header chip and the server's latest health. */
export class ServerStatus {
  /** @param {HTMLElement} chip */
  constructor(chip, intervalMs = HEALTH_INTERVAL_MS) {
    this.chip = chip;
    this.intervalMs = intervalMs;
    /** Latest /v1/health body, or undefined while the server is unreachable. */
    this.health = undefined;
    this.up = undefined;
    this.downSince = undefined;
    this.timer = undefined;
  }

  /** Starts polling; resolves with the first health (undefined when unreachable). */
  async start() {
    const h = await this.check();
    this.timer = setInterval(() => this.check(), this.intervalMs);
    return h;
  }

  /** Checks the server now and updates the chip; returns the health or undefined. */
  async check() {
    try {
      const h = await api.health();
      this.health = h;
      this.#show(true, h);
      return h;
    } catch (err) {
      this.#show(false, undefined, err);
      return undefined;
    }
  }

  /** The events socket's state: a lost connection triggers a check, so the header follows at once. */
  noteEvents(state) {
    if (state === "reconnecting" || state === "failed") this.check();
  }

  #show(up, h, err) {
    const chip = this.chip;
    if (!up) {
      this.downSince ??= new Date();
      this.up = false;
      chip.textContent = `server unreachable since ${this.downSince.toLocaleTimeString()} — reconnecting by itself`;
      chip.title = String(err?.message ?? "");
      chip.dataset.level = "err";
      chip.dataset.state = "down";
      return;
    }
    this.up = true;
    this.downSince = undefined;
    const models = h.modalities?.length
      ? `emotion models: ${h.modalities.join(", ")}`
      : "no emotion model loaded: speech is segmented but not labelled";
    const degraded = h.store?.status === "degraded" || h.store?.degraded === true;
    chip.textContent = `server ok · ${models}${degraded ? " · storage degraded: history is kept in memory only" : ""}`;
    chip.dataset.level = h.modalities?.length && !degraded ? "ok" : "warn";
    chip.dataset.state = "up";
    chip.title = Object.entries(h.unavailable ?? {}).map(([m, why]) => `${m}: ${why}`).join("\n");
  }
}
