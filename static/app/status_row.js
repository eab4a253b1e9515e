/**
 * Connection and permission states as chips with words and a symbol (✓ … ✕), never colour
 * alone: events socket, ingest socket, microphone, camera, face detection, speech recognition.
 */
import { el } from "./dom.js";

/** Chip titles in display order. */
const TITLES = {
  events: "events",
  ingest: "stream",
  mic: "microphone",
  camera: "camera",
  face: "face",
  speech: "speech to text",
};

/** Which states are fine (✓), transitional (…), worth attention (!), a failure (✕) or off (○). */
const LEVEL = {
  open: "ok",
  ready: "ok",
  on: "ok",
  face: "ok",
  listening: "ok",
  connecting: "busy",
  reconnecting: "busy",
  starting: "busy",
  loading: "busy",
  "no-face": "warn",
  paused: "warn",
  "text-only": "warn",
  off: "off",
  muted: "warn",
  unavailable: "warn",
  stopped: "warn",
  ended: "off",
  closed: "warn",
  denied: "err",
  failed: "err",
};

/** The row of status chips. */
export class StatusRow {
  /** @param {HTMLElement} root */
  constructor(root) {
    this.root = root;
    this.chips = new Map();
    /** Latest state per key, for tests and the page's own status. */
    this.states = {};
  }

  /** Shows `detail` for `key` in `state`. */
  set(key, state, detail) {
    let chip = this.chips.get(key);
    if (!chip) {
      chip = el("span", { class: "chip", dataset: { key } });
      this.chips.set(key, chip);
      const order = Object.keys(TITLES);
      const after = [...this.chips.keys()].filter((k) => order.indexOf(k) > order.indexOf(key))
        .map((k) => this.chips.get(k)).find((c) => c.isConnected);
      if (after) this.root.insertBefore(chip, after);
      else this.root.append(chip);
    }
    chip.dataset.state = state;
    chip.dataset.level = LEVEL[state] ?? "warn";
    chip.replaceChildren(el("b", {}, `${TITLES[key] ?? key}:`), ` ${detail}`);
    this.states[key] = { state, detail };
  }
}
