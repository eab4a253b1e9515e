/**
 * Fits and measures the fusion on label-matched combinations of the heads' validation predictions
 * (combinations.ts explains the construction and its bias):
 *   1. each head's ECE before (temperature 1) and after its shipped temperature;
 *   2. 2-fold cross-fitting (fit on one half of the groups, test on the other): accuracy, UAR,
 *      ECE, NLL and selective accuracy (most confident 50 %) for every subset of modalities, next
 *      to each single head on the same combinations and to the unfitted pooling;
 *   3. robustness: fused accuracy when one modality's frames are dropped at 0–90 %;
 *   4. the shipped parameters, fitted on both halves, into lib/fusion/fusion_params.json.
 * Fitting examples: every modality subset of every combination, plus copies with the voice
 * degraded by real packet loss (voice_drops.ts) at a random level, from which voice's coverage
 * exponent is fitted.
 * Inputs: ~/.cache/affectstream/fusion/{voice,face,text}_val.json (collect_*.ts, voice_oof.py).
 *
 *   deno run -A training/fusion/fit_fusion.ts [--per-class 300] [--seed 1] [--no-write]
 */
import { parseArgs } from "node:util";
import { normalizedEntropy, softmax } from "../../lib/emotion/affect.ts";
import { EMOTIONS } from "../../lib/emotion/labels.ts";
import { classificationMetrics, expectedCalibrationError, selectiveAccuracy } from "../../lib/eval/metrics.ts";
import { fuse } from "../../lib/fusion/fuse.ts";
import { DEFAULT_FUSION_PARAMS, type FusionParams, UNFITTED_FUSION_PARAMS } from "../../lib/fusion/fusion_params.ts";
import type { Modality, ModalityEstimate } from "../../lib/modality/estimate.ts";
import { buildCombinations, type Combination, rng } from "./combinations.ts";
import { type Example, fitReliability, meanNll, type Part } from "./fit_reliability.ts";
import { DROP_LEVELS, headEstimate, type HeadPredictions, type HeadSample, readHead } from "./head_predictions.ts";

/**
 * Starting coverage exponent, kept for modalities whose data never varies coverage for real (face:
 * FER stills; text: coverage is always 1): 1 would treat frames as independent evidence
 * (log-likelihoods add up), 0 as fully redundant; consecutive frames are strongly correlated, so
 * half-way. Voice has real packet-loss predictions (voice_drops.ts), so its exponent is fitted.
 */
export const COVERAGE_EXPONENT = 0.5;

/** Frames per utterance where drops are simulated (no degraded predictions): 100 ms packets of a 3 s utterance, face at 5 fps over 3 s. */
const FRAMES: Record<Modality, number> = { voice: 30, face: 15, text: 12 };
/** Fewest voice packets for a voice estimate (the stage needs ≥ 250 ms of voiced audio). */
const MIN_VOICE_PACKETS = 3;

const MODS: Modality[] = ["voice", "face", "text"];
const SUBSETS: Modality[][] = [["voice"], ["face"], ["text"], ["voice", "face"], ["voice", "text"], ["face", "text"], [
  "voice",
  "face",
  "text",
]];

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "per-class": { type: "string", default: "300" },
    seed: { type: "string", default: "1" },
    "no-write": { type: "boolean", default: false },
  },
});

/** The temperature a head applies to one sample (voice: its fold's cross-fitted temperature). */
function temperatureOf(
  head: HeadPredictions & { foldTemperatures?: Record<string, number> },
  s: HeadSample & { fold?: number },
) {
  if (head.foldTemperatures && s.fold !== undefined) return head.foldTemperatures[String(s.fold)];
  return head.temperature;
}

const heads = {} as Record<Modality, HeadPredictions>;
for (const m of MODS) heads[m] = await readHead(m);
heads.text.samples = heads.text.samples.filter((s) => s.label >= 0);
const calibrated = {} as Record<Modality, number[][]>;
const calibration: Record<string, unknown> = {};
for (const m of MODS) {
  const h = heads[m];
  const raw = h.samples.map((s) => softmax(s.logits, 1));
  calibrated[m] = h.samples.map((s) => softmax(s.logits, temperatureOf(h, s)));
  const labels = h.samples.map((s) => s.label);
  const mm = classificationMetrics(calibrated[m], labels);
  calibration[m] = {
    model: h.model,
    n: h.samples.length,
    protocol: h.protocol,
    accuracy: r4(mm.accuracy),
    uar: r4(mm.uar),
    eceBefore: r4(expectedCalibrationError(raw, labels)),
    eceAfter: r4(mm.ece),
    temperature: r4(h.temperature),
  };
}

const combos = buildCombinations(
  { voice: heads.voice.samples, face: heads.face.samples, text: heads.text.samples },
  { perClass: Number(values["per-class"]), seed: Number(values.seed) },
);

/** The coverage the live stage reports for a combination's sample (voice: its voiced share). */
function cov(m: Modality, c: Combination): number {
  return heads[m].samples[c.index[m]].coverage ?? 1;
}

function partOf(m: Modality, c: Combination): Part {
  const p = calibrated[m][c.index[m]];
  return {
    modality: m,
    probs: p,
    uncertainty: normalizedEntropy(p),
    coverage: heads[m].samples[c.index[m]].coverage ?? 1,
  };
}

/** Modalities whose head has predictions under real frame loss (voice packets). */
const DEGRADABLE = MODS.filter((m) => m !== "text" && heads[m].samples.every((s) => s.dropLogits && s.dropCoverage));

/** A modality's part at drop level l, from its degraded predictions; null when the stage would give none. */
function degradedPart(m: Modality, c: Combination, l: number): Part | null {
  const s = heads[m].samples[c.index[m]];
  const lg = s.dropLogits![l];
  if (!lg) return null;
  const p = softmax(lg, temperatureOf(heads[m], s));
  return { modality: m, probs: p, uncertainty: normalizedEntropy(p), coverage: s.dropCoverage![l] };
}

/**
 * Every subset of each combination, plus, for each modality with real degraded predictions and
 * each subset holding it, one copy at a random drop level (so coverage varies for real).
 */
function examplesOf(cs: readonly Combination[]): Example[] {
  const pick = rng(Number(values.seed) + 7);
  return cs.flatMap((c) => {
    const out: Example[] = SUBSETS.map((s) => ({ label: c.label, parts: s.map((m) => partOf(m, c)) }));
    for (const d of DEGRADABLE) {
      for (const s of SUBSETS.filter((s) => s.includes(d))) {
        const l = 1 + Math.floor(pick() * (DROP_LEVELS.length - 1));
        const parts = s.flatMap((
          m,
        ) => (m === d ? [degradedPart(m, c, l)].filter((p): p is Part => p !== null) : [partOf(m, c)]));
        if (parts.length) out.push({ label: c.label, parts });
      }
    }
    return out;
  });
}

/** Median coverage of a head's clean validation samples: the coverage of an undamaged estimate. */
function coverageReference(m: Modality): number {
  const cs = heads[m].samples.map((s) => s.coverage ?? 1).sort((a, b) => a - b);
  return r4(Math.min(1, Math.max(0.05, cs[Math.floor(cs.length / 2)])));
}

function startParams(): FusionParams {
  const p = structuredClone(UNFITTED_FUSION_PARAMS);
  for (const m of MODS) {
    p.modalities[m].coverage = COVERAGE_EXPONENT;
    p.modalities[m].coverageReference = coverageReference(m);
  }
  return p;
}

// 2-fold cross-fitting
const fittedFor: FusionParams[] = [0, 1].map((h) =>
  fitReliability(examplesOf(combos.filter((c) => c.half !== h)), startParams(), { fitCoverage: DEGRADABLE })
);
const test = (c: Combination) => fittedFor[c.half];

interface Row {
  system: string;
  n: number;
  accuracy: number;
  uar: number;
  weightedF1: number;
  ece: number;
  nll: number;
  selective50: number;
  meanWeights?: Record<string, number>;
}

function score(system: string, probs: number[][], labels: number[], weights?: Record<string, number>[]): Row {
  const m = classificationMetrics(probs, labels);
  const nll = probs.reduce((a, p, i) => a - Math.log(Math.max(p[labels[i]], 1e-12)), 0) / probs.length;
  const row: Row = {
    system,
    n: probs.length,
    accuracy: r4(m.accuracy),
    uar: r4(m.uar),
    weightedF1: r4(m.weightedF1),
    ece: r4(m.ece),
    nll: r4(nll),
    selective50: r4(selectiveAccuracy(probs, labels, 0.5)),
  };
  if (weights) {
    row.meanWeights = {};
    for (const w of weights) {
      for (const [k, v] of Object.entries(w)) row.meanWeights[k] = (row.meanWeights[k] ?? 0) + v / weights.length;
    }
    for (const k of Object.keys(row.meanWeights)) row.meanWeights[k] = r4(row.meanWeights[k]);
  }
  return row;
}

const labels = combos.map((c) => c.label);
const rows: Row[] = [];
for (const m of MODS) rows.push(score(`${m} head alone`, combos.map((c) => calibrated[m][c.index[m]]), labels));
for (const s of SUBSETS.filter((s) => s.length > 1)) {
  const name = s.join("+");
  const fitted = combos.map((c) =>
    fuse(s.map((m) => headEstimate(m, calibrated[m][c.index[m]], cov(m, c))), { params: test(c) })
  );
  rows.push(
    score(`${name} fitted`, fitted.map((f) => f.probs), labels, fitted.map((f) => f.weights as Record<string, number>)),
  );
  const plain = combos.map((c) =>
    fuse(s.map((m) => headEstimate(m, calibrated[m][c.index[m]], cov(m, c))), { params: UNFITTED_FUSION_PARAMS })
  );
  rows.push(score(`${name} unfitted product`, plain.map((f) => f.probs), labels));
}
// single heads through the fitted fusion (their exponent recalibrates them)
for (const m of MODS) {
  const f = combos.map((c) => fuse([headEstimate(m, calibrated[m][c.index[m]], cov(m, c))], { params: test(c) }));
  rows.push(score(`${m} alone through fusion`, f.map((x) => x.probs), labels));
}

// robustness: drop one modality's frames at each level; the others stay whole
const next = rng(Number(values.seed) + 100);
function binomial(n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (next() < p) k++;
  return k;
}
const robustness: Record<string, Record<string, number[]>> = {};
for (const dropped of MODS) {
  const curves: Record<string, number[]> = {
    fitted: [],
    unfittedProduct: [],
    coverageIgnored: [],
    droppedHeadAlone: [],
    missingRate: [],
  };
  DROP_LEVELS.forEach((level, l) => {
    let ok = 0, okPlain = 0, okNoCov = 0, okAlone = 0, aloneN = 0, missing = 0;
    for (const c of combos) {
      const ests: ModalityEstimate[] = [];
      let droppedEst: ModalityEstimate | null = null;
      for (const m of MODS) {
        if (m !== dropped) {
          ests.push(headEstimate(m, calibrated[m][c.index[m]], cov(m, c)));
          continue;
        }
        const s = heads[m].samples[c.index[m]];
        if (s.dropLogits) {
          // real degradation: words dropped (text) or packets zeroed (voice), re-scored by the head
          const lg = s.dropLogits[l];
          if (lg) droppedEst = headEstimate(m, softmax(lg, temperatureOf(heads[m], s)), s.dropCoverage?.[l] ?? 1);
        } else {
          // simulated: a still face (or a head without degraded predictions) keeps its estimate,
          // with coverage the share of frames kept; missing when too few are kept
          const kept = binomial(FRAMES[m], 1 - level);
          const enough = m === "voice" ? kept >= MIN_VOICE_PACKETS : kept > 0;
          if (enough) droppedEst = headEstimate(m, calibrated[m][c.index[m]], kept / FRAMES[m]);
        }
        if (droppedEst) ests.push(droppedEst);
        else missing++;
      }
      const y = c.label;
      const arg = (p: number[]) => p.indexOf(Math.max(...p));
      if (arg(fuse(ests, { params: test(c) }).probs) === y) ok++;
      if (arg(fuse(ests, { params: UNFITTED_FUSION_PARAMS }).probs) === y) okPlain++;
      const noCov = structuredClone(test(c));
      for (const m of MODS) noCov.modalities[m].coverage = 0;
      if (arg(fuse(ests, { params: noCov }).probs) === y) okNoCov++;
      if (droppedEst) {
        aloneN++;
        if (arg(droppedEst.probs) === y) okAlone++;
      }
    }
    curves.fitted.push(r4(ok / combos.length));
    curves.unfittedProduct.push(r4(okPlain / combos.length));
    curves.coverageIgnored.push(r4(okNoCov / combos.length));
    curves.droppedHeadAlone.push(r4(aloneN ? okAlone / aloneN : 0));
    curves.missingRate.push(r4(missing / combos.length));
  });
  robustness[dropped] = curves;
}

// shipped parameters: fitted on every combination
const all = examplesOf(combos);
const shipped = fitReliability(all, startParams(), { fitCoverage: DEGRADABLE });
const classCounts = EMOTIONS.map((_, k) => combos.filter((c) => c.label === k).length);
shipped.fitted = {
  command: "deno run -A training/fusion/fit_fusion.ts",
  date: new Date().toISOString().slice(0, 10),
  data: `label-matched combinations of validation predictions (${combos.length} combinations × 7 modality subsets; ` +
    `per class ${classCounts.join("/")}): ${
      MODS.map((m) => `${m} ${heads[m].model} (${heads[m].protocol})`).join("; ")
    }`,
  coverageExponent: `fitted for ${DEGRADABLE.join(", ") || "no modality"} (real packet-loss predictions); ` +
    `fixed at ${COVERAGE_EXPONENT} for the others (docs/fusion.md)`,
  trainNll: r4(meanNll(all, shipped)),
  crossFittedHalves: fittedFor.map((p) => p.modalities),
};
shipped.emotionSentiment = DEFAULT_FUSION_PARAMS.emotionSentiment;

const results = {
  date: shipped.fitted.date,
  combinations: combos.length,
  perClass: classCounts,
  calibration,
  rows,
  robustness,
  dropLevels: DROP_LEVELS,
  frames: FRAMES,
  params: shipped.modalities,
  sharpness: shipped.sharpness,
};
// --no-write measures only: neither the results file nor the shipped parameters change.
if (!values["no-write"]) {
  await Deno.mkdir("training/fusion/results", { recursive: true });
  await Deno.writeTextFile("training/fusion/results/fusion_fit.json", JSON.stringify(results, null, 1) + "\n");
  await Deno.writeTextFile("lib/fusion/fusion_params.json", JSON.stringify(shipped, null, 2) + "\n");
}

console.log("calibration", JSON.stringify(calibration, null, 1));
console.log("| system | n | accuracy | UAR | wF1 | ECE | NLL | selective@50 % | mean weights |");
console.log("|---|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  console.log(
    `| ${r.system} | ${r.n} | ${r.accuracy} | ${r.uar} | ${r.weightedF1} | ${r.ece} | ${r.nll} | ${r.selective50} | ${
      r.meanWeights ? JSON.stringify(r.meanWeights) : ""
    } |`,
  );
}
console.log("robustness", JSON.stringify(robustness));
console.log("shipped", JSON.stringify(shipped.modalities), "sharpness", JSON.stringify(shipped.sharpness));

function r4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
