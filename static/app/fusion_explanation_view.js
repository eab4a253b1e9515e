/**
 * The fusion explanation on a participant's card: when the fused label is none of the modalities'
 * own labels, a table of each modality's weighted log-probability (fusion_explanation.js) for the
 * fused class and for each modality's own choice, so the reader sees how the pooling arrived there.
 */
import { el, setChildren } from "./dom.js";
import { percent, signed } from "./format.js";
import { explainFusion } from "./fusion_explanation.js";

/**
 * When the fused label is none of the modalities' own labels, how the pooling arrived there:
 * each modality's weighted log-probability of the fused class and of its own choice.
 */
export function renderFusionExplanation(root, e) {
  const x = e ? explainFusion(e) : undefined;
  if (!x || x.matchesModality) {
    root.hidden = true;
    setChildren(root);
    return;
  }
  root.hidden = false;
  const mods = x.candidates[0].parts.map((q) => q.modality);
  const own = mods.map((m) => `${m} ${e.modalities[m].label}`).join(", ");
  setChildren(
    root,
    el(
      "p",
      {},
      el("strong", {}, `Why ${x.label}? `),
      `No modality chose it alone (${own}). Fusion multiplies the modalities' probabilities, each raised to ` +
        `its weight, so the winner is the class with the highest Σ weight × log p: one that no modality rules out.`,
    ),
    el(
      "div",
      { class: "table-wrap" },
      el(
        "table",
        { class: "explain-table" },
        el("caption", { class: "visually-hidden" }, `Contributions to the fused label ${x.label}`),
        el(
          "thead",
          {},
          el(
            "tr",
            {},
            el("th", { scope: "col" }, "class"),
            mods.map((m) => el("th", { scope: "col" }, m)),
            el("th", { scope: "col" }, "Σ"),
          ),
        ),
        el(
          "tbody",
          {},
          x.candidates.map((c, i) =>
            el(
              "tr",
              { class: i === 0 ? "chosen" : "" },
              el("th", { scope: "row" }, i === 0 ? `${c.label} (fused)` : c.label),
              c.parts.map((q) =>
                el(
                  "td",
                  { title: `p ${percent(q.prob)}, weight ${percent(q.weight)}` },
                  `${probText(q.prob)} × w ${q.weight.toFixed(2)} → ${signed(q.contribution)}`,
                )
              ),
              el("td", {}, signed(c.total)),
            )
          ),
        ),
      ),
    ),
  );
}

/** A probability as a percentage, with two decimals below 1 % (where the logs differ most). */
function probText(p) {
  return p < 0.01 ? `${(p * 100).toFixed(2)} %` : percent(p);
}
