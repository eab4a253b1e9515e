/**
 * Why the fused label is what it is. The server pools modalities log-linearly (lib/fusion/fuse.ts,
 * a weighted product of experts): log p(k) = s · Σ_m w_m · log p_m(k) − log Z. The ranking of the
 * classes therefore follows Σ_m w_m · log p_m(k) with the modality weights w_m the event carries
 * (the common factor s and log Z change no ranking). Each term w_m · log p_m(k) is that
 * modality's contribution to class k, which explains a fused label that no modality chose alone:
 * it can be the class no modality rules out.
 */
import { EMOTIONS, MODALITIES } from "./palette.js";

/** The server's probability floor before logs (lib/fusion/fuse.ts PROBABILITY_FLOOR). */
export const PROBABILITY_FLOOR = 1e-4;

/**
 * @typedef {object} Contribution
 * @property {string} modality
 * @property {number} prob p_m(k)
 * @property {number} weight w_m, the modality's share of the fusion weight
 * @property {number} contribution w_m · log p_m(k)
 *
 * @typedef {object} CandidateScore
 * @property {string} label class k
 * @property {number} total Σ_m w_m · log p_m(k)
 * @property {Contribution[]} parts in MODALITIES order
 *
 * @typedef {object} FusionExplanation
 * @property {string} label the fused label
 * @property {boolean} matchesModality whether some modality chose the same label alone
 * @property {CandidateScore[]} candidates the fused label first, then each modality's own label
 * @property {string} pooledLabel the class with the highest pooled score (agrees with `label`
 *   unless the event's numbers were rounded into a tie)
 */

/** Scores of class `k` under the modalities `used` of estimate `e`. */
function score(e, used, k) {
  const parts = used.map((m) => {
    const x = e.modalities[m];
    const prob = x.probs[k];
    const weight = Math.max(0, x.weight);
    return { modality: m, prob, weight, contribution: weight * Math.log(Math.max(prob, PROBABILITY_FLOOR)) };
  });
  return { label: EMOTIONS[k], total: parts.reduce((a, p) => a + p.contribution, 0), parts };
}

/**
 * The per-modality contributions behind an emotion event's fused label; undefined when the event
 * has no per-modality probabilities to explain it with.
 * @param {any} e an `emotion`, `emotion.update` or `emotion.partial` event
 * @returns {FusionExplanation | undefined}
 */
export function explainFusion(e) {
  const used = MODALITIES.filter((m) =>
    Array.isArray(e?.modalities?.[m]?.probs) &&
    e.modalities[m].probs.length === EMOTIONS.length
  );
  const k = EMOTIONS.indexOf(e?.label);
  if (used.length === 0 || k < 0) return undefined;
  const own = used.map((m) => e.modalities[m].label);
  const labels = [e.label, ...own.filter((l, i) => l !== e.label && own.indexOf(l) === i)];
  const candidates = labels.map((l) => score(e, used, EMOTIONS.indexOf(l))).filter((c) => c.parts.length);
  let best = 0, bestTotal = -Infinity;
  EMOTIONS.forEach((_, j) => {
    const t = score(e, used, j).total;
    if (t > bestTotal) [best, bestTotal] = [j, t];
  });
  return { label: e.label, matchesModality: own.includes(e.label), candidates, pooledLabel: EMOTIONS[best] };
}
