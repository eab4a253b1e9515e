/**
 * Canvas timelines of one participant: the seven fused probabilities, or valence and arousal,
 * over the last two minutes of its media clock, with speech spans shaded and shift markers.
 * Each series has a colour, a dash pattern and a text label at its right end. Lines join the
 * utterance estimates only, so the right-end labels are the headline's (the latest utterance
 * estimate); face-only windows between utterances are hollow marks at their leading class. Drawing is a plain
 * function of the state passed in; the caller decides when (at most ~10 times a second).
 */
import { AFFECT_STYLE, EMOTION_STYLE, EMOTIONS } from "./palette.js";
import { signed } from "./format.js";

/** Time shown, ms. */
export const WINDOW_MS = 120_000;
/** Spacing of the time grid, ms. */
const TICK_MS = 30_000;
const MARGIN = { left: 36, right: 100, top: 8, bottom: 18 };
const GRID = "#d9d9d9";
const INK = "#222222";
const MUTED = "#666666";
const FONT = "11px system-ui, sans-serif";
/** Smallest vertical gap between two right-end labels, CSS px. */
const LABEL_GAP = 12;

/** A canvas that tracks its CSS size at device-pixel resolution. */
export class TimelineChart {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {"emotions"|"affect"} kind
   */
  constructor(canvas, kind) {
    this.canvas = canvas;
    this.kind = kind;
    this.ctx = canvas.getContext("2d");
    this.width = 0;
    this.height = 0;
  }

  #fit() {
    const dpr = globalThis.devicePixelRatio || 1;
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    if (w !== this.width || h !== this.height || this.canvas.width !== Math.round(w * dpr)) {
      this.width = w;
      this.height = h;
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(h * dpr);
    }
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  }

  /**
   * Draws the chart.
   * @param {{points: import("./session_model.js").EmotionPoint[], utterances: object[], shifts: object[],
   *   nowMs: number}} state
   */
  draw(state) {
    this.#fit();
    const { ctx, width: w, height: h } = this;
    if (!w || !h) return;
    ctx.clearRect(0, 0, w, h);
    ctx.font = FONT;
    const x0 = MARGIN.left, x1 = w - MARGIN.right, y0 = MARGIN.top, y1 = h - MARGIN.bottom;
    const t1 = Math.max(state.nowMs, WINDOW_MS), t0 = t1 - WINDOW_MS;
    const xOf = (t) => x0 + ((t - t0) / WINDOW_MS) * (x1 - x0);
    const [vMin, vMax] = this.kind === "emotions" ? [0, 1] : [-1, 1];
    const yOf = (v) => y1 - ((v - vMin) / (vMax - vMin)) * (y1 - y0);

    // Speech spans.
    ctx.fillStyle = "rgba(0, 0, 0, 0.06)";
    for (const u of state.utterances) {
      const a = Math.max(t0, u.startMs), b = Math.min(t1, u.endMs ?? state.nowMs);
      if (b > a) ctx.fillRect(xOf(a), y0, xOf(b) - xOf(a), y1 - y0);
    }
    this.#grid(t0, t1, xOf, yOf, vMin, vMax);

    const visible = visiblePoints(state.points.filter((p) => p.kind !== "window"), t0);
    const windows = state.points.filter((p) => p.kind === "window" && p.tMs >= t0);
    const series = this.kind === "emotions"
      ? EMOTIONS.map((name, k) => ({
        ...EMOTION_STYLE[name],
        label: name,
        value: (p) => p.probs[k],
        fmt: compactPercent,
      }))
      : ["valence", "arousal"].map((name) => ({ ...AFFECT_STYLE[name], value: (p) => p[name], fmt: signed }));
    const ends = [];
    // Which estimate the right-end labels show, for tests and debugging: always the headline's.
    const last = visible[visible.length - 1];
    this.canvas.dataset.endUtterance = last?.utteranceId ?? "";
    this.canvas.dataset.endKind = last?.kind ?? "";
    ctx.save();
    ctx.beginPath();
    ctx.rect(x0, y0 - 1, x1 - x0, y1 - y0 + 2);
    ctx.clip();
    for (const s of series) {
      if (visible.length === 0) break;
      ctx.strokeStyle = s.color;
      ctx.lineWidth = 2;
      ctx.setLineDash(s.dash);
      ctx.beginPath();
      visible.forEach((p, i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, xOf(p.tMs), yOf(s.value(p))));
      ctx.stroke();
      const last = visible[visible.length - 1];
      if (visible.length === 1) {
        // A lone estimate has no line yet: show it as a point.
        ctx.fillStyle = s.color;
        ctx.beginPath();
        ctx.arc(xOf(last.tMs), yOf(s.value(last)), 3, 0, 2 * Math.PI);
        ctx.fill();
      }
      ends.push({ s, y: yOf(s.value(last)), v: s.value(last) });
    }
    ctx.setLineDash([]);
    // Final estimates are marked; partial and window estimates are not.
    ctx.fillStyle = INK;
    for (const p of visible) {
      if (p.kind !== "final" || p.tMs < t0) continue;
      ctx.beginPath();
      ctx.arc(xOf(p.tMs), y1 - 3, 2, 0, 2 * Math.PI);
      ctx.fill();
    }
    if (this.kind === "emotions") this.#windows(windows, xOf, yOf);
    this.#shifts(state.shifts, t0, t1, xOf, y0, y1);
    ctx.restore();
    this.#endLabels(ends, x1, y0, y1);
    if (visible.length === 0 && windows.length === 0) {
      ctx.fillStyle = MUTED;
      ctx.textAlign = "center";
      ctx.fillText("no emotion estimates yet", (x0 + x1) / 2, (y0 + y1) / 2);
      ctx.textAlign = "start";
    }
  }

  #grid(t0, t1, xOf, yOf, vMin, vMax) {
    const { ctx } = this;
    const x0 = xOf(t0), x1 = xOf(t1);
    ctx.strokeStyle = GRID;
    ctx.lineWidth = 1;
    ctx.fillStyle = MUTED;
    const ticks = this.kind === "emotions" ? [0, 0.5, 1] : [-1, 0, 1];
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const v of ticks) {
      const y = Math.round(yOf(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x0, y);
      ctx.lineTo(x1, y);
      ctx.stroke();
      ctx.fillText(this.kind === "emotions" ? `${v * 100}%` : (v > 0 ? `+${v}` : `${v}`), x0 - 4, y);
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    const yb = yOf(vMin);
    for (let t = Math.ceil(t0 / TICK_MS) * TICK_MS; t <= t1; t += TICK_MS) {
      const x = Math.round(xOf(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, yOf(vMax));
      ctx.lineTo(x, yb);
      ctx.stroke();
      ctx.fillText(`${Math.round(t / 1000)} s`, x, yb + 3);
    }
    ctx.textAlign = "start";
    ctx.textBaseline = "alphabetic";
  }

  /** Face-only windows: a hollow ring at the window's leading class, in that class's colour. */
  #windows(windows, xOf, yOf) {
    const { ctx } = this;
    ctx.lineWidth = 1.5;
    ctx.setLineDash([]);
    for (const p of windows) {
      let k = 0;
      for (let j = 1; j < p.probs.length; j++) if (p.probs[j] > p.probs[k]) k = j;
      ctx.strokeStyle = EMOTION_STYLE[EMOTIONS[k]].color;
      ctx.beginPath();
      ctx.arc(xOf(p.tMs), yOf(p.probs[k]), 3.5, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }

  #shifts(shifts, t0, t1, xOf, y0, y1) {
    const { ctx } = this;
    ctx.strokeStyle = INK;
    ctx.fillStyle = INK;
    ctx.lineWidth = 1.5;
    ctx.setLineDash([3, 3]);
    for (const s of shifts) {
      if (s.endMs < t0 || s.endMs > t1) continue;
      const x = Math.round(xOf(s.endMs)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, y0);
      ctx.lineTo(x, y1);
      ctx.stroke();
      if (this.kind === "emotions") ctx.fillText(`▶ ${s.to}`, x + 3, y0 + 10);
    }
    ctx.setLineDash([]);
  }

  /** Right-end labels, sorted by height and pushed apart so none overlap. */
  #endLabels(ends, x1, y0, y1) {
    const { ctx } = this;
    ends.sort((a, b) => a.y - b.y);
    const ys = ends.map((e) => Math.min(Math.max(e.y, y0 + 4), y1 - 4));
    for (let i = 1; i < ys.length; i++) ys[i] = Math.max(ys[i], ys[i - 1] + LABEL_GAP);
    // Then upwards from the bottom edge: only the labels pushed too low move back up.
    for (let i = ys.length - 1; i >= 0; i--) {
      ys[i] = Math.min(ys[i], i === ys.length - 1 ? y1 + 2 : ys[i + 1] - LABEL_GAP);
    }
    ctx.textBaseline = "middle";
    ends.forEach((e, i) => {
      ctx.strokeStyle = e.s.color;
      ctx.lineWidth = 2;
      ctx.setLineDash(e.s.dash);
      ctx.beginPath();
      ctx.moveTo(x1 + 4, ys[i]);
      ctx.lineTo(x1 + 18, ys[i]);
      ctx.stroke();
      ctx.fillStyle = INK;
      ctx.fillText(`${e.s.label} ${e.s.fmt(e.v)}`, x1 + 21, ys[i]);
    });
    ctx.setLineDash([]);
    ctx.textBaseline = "alphabetic";
  }
}

/** "62%": the chart's labels are narrow. */
function compactPercent(x) {
  return `${Math.round(x * 100)}%`;
}

/** Points from just before t0 on, so lines enter the chart from its left edge. */
function visiblePoints(points, t0) {
  let i = points.length;
  while (i > 0 && points[i - 1].tMs >= t0) i--;
  return points.slice(Math.max(0, i - 1));
}
