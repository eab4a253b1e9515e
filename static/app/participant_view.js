/**
 * One participant's card: current emotion (label text and confidence), probability and
 * valence/arousal timelines, per-modality contributions and uncertainty, utterances with their
 * transcript, label and modality breakdown, shifts and errors. Text parts are rebuilt only when
 * the participant's state changed; the charts redraw on every frame the page asks for.
 */
import { describeAffect, describeProbabilities } from "./chart_summary.js";
import { el, setChildren } from "./dom.js";
import { mediaTime, percent, seconds, signed } from "./format.js";
import { renderFusionExplanation } from "./fusion_explanation_view.js";
import { describeMissing } from "./missing_reasons.js";
import { MODALITIES, MODALITY_STYLE } from "./palette.js";
import { TimelineChart } from "./timeline_chart.js";

/** Utterance rows shown (newest first). */
const MAX_ROWS = 30;

/** A participant's card in the grid. */
export class ParticipantView {
  /**
   * @param {import("./session_model.js").ParticipantState} participant
   * @param {{ local: boolean, modelsLoaded?: boolean }} options modelsLoaded: whether the server has any
   *   emotion model (undefined when unknown)
   */
  constructor(participant, options) {
    this.p = participant;
    this.local = options.local;
    this.modelsLoaded = options.modelsLoaded;
    this.renderedVersion = -1;
    this.nameEl = el("h2", { class: "name" });
    this.presenceEl = el("span", { class: "presence" });
    this.labelEl = el("div", { class: "emotion-label", dataset: { role: "label" } });
    this.detailEl = el("div", { class: "emotion-detail" });
    this.affectEl = el("div", { class: "emotion-affect" });
    this.windowEl = el("p", { class: "face-window", dataset: { role: "window" }, hidden: true });
    this.explainEl = el("div", { class: "explain", dataset: { role: "explain" }, hidden: true });
    this.probsCanvas = el("canvas", { class: "chart chart-probs", role: "img" });
    this.affectCanvas = el("canvas", { class: "chart chart-affect", role: "img" });
    this.probsChart = new TimelineChart(this.probsCanvas, "emotions");
    this.affectChart = new TimelineChart(this.affectCanvas, "affect");
    this.weightsEl = el("div", { class: "weights" });
    this.modalityTable = el("tbody");
    this.missingEl = el("p", { class: "missing" });
    this.utterancesEl = el("ol", { class: "utterances", dataset: { role: "utterances" } });
    this.errorsEl = el("ul", { class: "participant-errors" });
    this.root = el(
      "article",
      { class: `participant${this.local ? " local" : ""}`, dataset: { participantId: participant.id } },
      el(
        "header",
        {},
        this.nameEl,
        el("span", { class: "pid" }, participant.id),
        this.local ? el("span", { class: "badge" }, "you") : null,
        this.presenceEl,
      ),
      el(
        "section",
        { class: "now", "aria-live": "polite" },
        el("h3", {}, "Latest utterance"),
        this.labelEl,
        this.detailEl,
        this.affectEl,
        this.explainEl,
        this.windowEl,
      ),
      el(
        "section",
        { class: "charts" },
        el("h3", {}, "Emotion probabilities, last 2 minutes"),
        this.probsCanvas,
        el("h3", {}, "Valence and arousal"),
        this.affectCanvas,
        el(
          "p",
          { class: "chart-key" },
          "Lines: utterance estimates. Shaded: speech. Dots: final estimate of an utterance. " +
            "Hollow rings: face-only windows between utterances (their leading class). " +
            "Dashed vertical line: emotional shift. x: this participant's media time.",
        ),
      ),
      el(
        "section",
        { class: "modalities" },
        el("h3", {}, "Modality contributions (latest estimate)"),
        this.weightsEl,
        this.tableEl = el(
          "div",
          { class: "table-wrap", hidden: true },
          el(
            "table",
            {},
            el(
              "thead",
              {},
              el(
                "tr",
                {},
                ["modality", "label", "confidence", "uncertainty", "weight", "coverage"].map((h) =>
                  el("th", { scope: "col" }, h)
                ),
              ),
            ),
            this.modalityTable,
          ),
        ),
        this.missingEl,
      ),
      el("section", { class: "utterance-list" }, el("h3", {}, "Utterances (newest first)"), this.utterancesEl),
      this.errorsEl,
    );
  }

  /** Redraws; `nowMs` is the participant's current media time. */
  render(nowMs) {
    const p = this.p;
    if (p.version !== this.renderedVersion) {
      this.renderedVersion = p.version;
      this.#renderText();
    }
    const utterances = [...p.utterances.values()].filter((u) => Number.isFinite(u.startMs));
    this.probsChart.draw({ points: p.points, utterances, shifts: p.shifts, nowMs });
    this.affectChart.draw({ points: p.points, utterances, shifts: p.shifts, nowMs });
  }

  #renderText() {
    const p = this.p;
    this.nameEl.textContent = p.label;
    this.presenceEl.textContent = p.active ? "streaming" : p.leftReason ? `left (${p.leftReason})` : "not streaming";
    this.presenceEl.className = `presence ${p.active ? "on" : "off"}`;
    this.root.dataset.active = String(p.active);
    this.#renderCurrent(p.current);
    this.#renderExplanation(p.current);
    this.#renderWindow(p.window, p.current);
    this.#renderModalities(p.current);
    this.probsCanvas.setAttribute("aria-label", describeProbabilities(p));
    this.affectCanvas.setAttribute("aria-label", describeAffect(p));
    this.#renderUtterances();
    setChildren(
      this.errorsEl,
      p.errors.slice(-5).reverse().map((e) =>
        el("li", { class: e.recoverable ? "warn" : "err" }, el("code", {}, e.code), " ", e.message)
      ),
    );
  }

  #renderCurrent(e) {
    if (!e) {
      this.labelEl.textContent = "no estimate yet";
      this.labelEl.dataset.label = "";
      this.labelEl.dataset.utteranceId = "";
      this.labelEl.classList.add("none");
      if (this.modelsLoaded === false) {
        this.labelEl.textContent = "not labelled";
        this.detailEl.textContent = "no emotion model is loaded on the server: speech is segmented, not labelled";
      } else {
        this.detailEl.textContent = this.p.utterances.size
          ? "speech detected; waiting for an emotion estimate"
          : "waiting for speech or a face";
      }
      this.affectEl.textContent = "";
      return;
    }
    this.labelEl.classList.remove("none");
    this.labelEl.textContent = e.label;
    this.labelEl.dataset.label = e.label;
    this.labelEl.dataset.utteranceId = e.utteranceId;
    this.labelEl.dataset.kind = e.type;
    const kind = e.type === "emotion.partial"
      ? "partial, utterance in progress"
      : e.type === "emotion.update"
      ? "final, updated"
      : "final";
    this.detailEl.textContent = `${percent(e.confidence)} confident · uncertainty ${
      percent(e.uncertainty)
    } · ${kind} · ${mediaTime(e.startMs)}–${mediaTime(e.endMs)}`;
    const sentiment = e.sentiment
      ? ` · sentiment ${Object.entries(e.sentiment).map(([k, v]) => `${k} ${percent(v)}`).join(", ")}`
      : "";
    this.affectEl.textContent = `valence ${signed(e.valence)} · arousal ${signed(e.arousal)}${sentiment}`;
  }

  #renderModalities(e) {
    if (!e) {
      setChildren(this.weightsEl, el("span", { class: "muted weights-empty" }, "no estimate yet"));
      setChildren(this.modalityTable);
      this.tableEl.hidden = true;
      this.missingEl.textContent = "";
      return;
    }
    this.tableEl.hidden = false;
    const used = MODALITIES.filter((m) => e.modalities?.[m]);
    setChildren(
      this.weightsEl,
      used.map((m) => {
        const entry = e.modalities[m];
        const w = Math.max(0, entry.weight);
        return el(
          "span",
          {
            class: `weight weight-${m}`,
            style: { flexGrow: w.toFixed(4) },
            title: `${m}: weight ${percent(w)}`,
          },
          `${MODALITY_STYLE[m].label} ${percent(w)}`,
        );
      }),
    );
    setChildren(
      this.modalityTable,
      used.map((m) => {
        const x = e.modalities[m];
        return el(
          "tr",
          {},
          el("th", { scope: "row" }, el("span", { class: `swatch weight-${m}` }), m),
          el("td", {}, x.label),
          el("td", {}, percent(x.confidence)),
          el("td", {}, percent(x.uncertainty)),
          el("td", {}, percent(x.weight)),
          el("td", {}, percent(x.coverage)),
        );
      }),
    );
    const models = used.map((m) => `${m}: ${e.modalities[m].model ?? "?"}`).join(" · ");
    const gaps = describeMissing(e.missing);
    const missing = gaps.length ? `No data for this span: ${gaps.map((g) => g.text).join("; ")}. ` : "";
    this.missingEl.textContent = `${missing}Models: ${models}`;
  }

  #renderExplanation(e) {
    renderFusionExplanation(this.explainEl, e);
  }

  /** A face-only window newer than the headline, shown for what it is and kept out of the headline. */
  #renderWindow(w, current) {
    const newer = w && (!current || w.endMs > current.endMs);
    this.windowEl.hidden = !newer;
    if (!newer) return;
    this.windowEl.textContent = `Face only, between utterances (${mediaTime(w.startMs)}–${
      mediaTime(w.endMs)
    }): ${w.label} ${percent(w.confidence)}. Not an utterance estimate, so not in the headline.`;
  }

  #renderUtterances() {
    const p = this.p;
    const rows = [];
    const shifts = [...p.shifts].sort((a, b) => b.endMs - a.endMs);
    let si = 0;
    for (const u of p.utterancesNewestFirst().slice(0, MAX_ROWS)) {
      while (si < shifts.length && shifts[si].endMs >= (u.endMs ?? u.startMs)) rows.push(shiftRow(shifts[si++]));
      rows.push(utteranceRow(u));
    }
    while (si < shifts.length && rows.length < MAX_ROWS + 10) rows.push(shiftRow(shifts[si++]));
    if (rows.length === 0) rows.push(el("li", { class: "muted" }, "no utterances yet"));
    setChildren(this.utterancesEl, rows);
  }
}

function utteranceRow(u) {
  const est = u.emotion ?? u.partial;
  const span = u.open
    ? `${mediaTime(u.startMs)}– speaking…`
    : `${mediaTime(u.startMs)}–${mediaTime(u.endMs)} (${seconds(u.durationMs ?? u.endMs - u.startMs)})`;
  const label = est
    ? el(
      "span",
      { class: "u-label" },
      el("strong", {}, est.label),
      ` ${percent(est.confidence)}${u.emotion ? "" : " (partial)"}${u.updated ? " (updated)" : ""}`,
    )
    : el("span", { class: "u-label muted" }, u.open ? "listening…" : "no estimate");
  const breakdown = est
    ? MODALITIES.filter((m) => est.modalities?.[m]).map((m) => {
      const x = est.modalities[m];
      return el(
        "span",
        { class: "u-mod" },
        el("span", { class: `swatch weight-${m}` }),
        `${m} ${x.label} (w ${percent(x.weight)})`,
      );
    })
    : [];
  return el(
    "li",
    { class: `utterance${u.open ? " open" : ""}`, dataset: { utteranceId: u.id } },
    el("div", { class: "u-head" }, el("span", { class: "u-time" }, span), label),
    el("div", { class: u.text ? "u-text" : "u-text muted" }, u.text ? `“${u.text}”` : "(no transcript)"),
    breakdown.length ? el("div", { class: "u-mods" }, breakdown) : null,
  );
}

function shiftRow(s) {
  const driven = s.drivenBy?.length ? `, driven by ${s.drivenBy.join(", ")}` : "";
  return el(
    "li",
    { class: "shift" },
    el("strong", {}, `shift: ${s.from} → ${s.to}`),
    ` at ${mediaTime(s.endMs)} (size ${percent(s.size)}, confidence ${percent(s.confidence)}${driven})`,
  );
}
