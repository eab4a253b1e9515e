/**
 * Measures the embedded recogniser on the shared English speech whose words are known, and
 * writes docs/asr_results.json (figures quoted by docs/asr.md) and lib/asr/asr_calibration.json:
 *
 * - WER on a spread subsample of RAVDESS (statement from the file name) and on every GRID clip
 *   in media/ (sentence from the file name; letters scored as letters, see gridHypothesis);
 * - real-time factor per core: CPU seconds of the pocketsphinx process (/proc/PID/stat, model
 *   load excluded) per second of audio;
 * - confidence: AUROC of the word posterior for word correctness, calibration (isotonic map
 *   fitted on RAVDESS odd actors, ECE on the rest before/after), and the correlation of
 *   utterance confidence with utterance word accuracy;
 * - text emotion on ASR text against gold text (RAVDESS: the two statements are neutral in
 *   content, so the text modality cannot know the acted emotion; what is measured is how far
 *   ASR errors move the text model's output).
 *
 *   nice deno run -A training/asr/evaluate_asr.ts [--step 18] [--out docs/asr_results.json]
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { alignWords, normalizeWords } from "../../lib/asr/wer.ts";
import { gridTranscript, ravdessTranscript } from "../../lib/asr/known_transcripts.ts";
import { SphinxProcess } from "../../lib/asr/sphinx_process.ts";
import { calibrate, type CalibrationMap, fitIsotonic } from "../../lib/asr/confidence_calibration.ts";
import type { Recognition } from "../../lib/asr/recognizer.ts";
import { decodeAudio } from "../../lib/media/decode.ts";
import { listClips } from "../../lib/testing/data.ts";
import { Engine } from "../../lib/engine/engine.ts";
import { EMOTIONS } from "../../lib/emotion/labels.ts";
import { RAVDESS_LABELS } from "../voice/corpus.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** RAVDESS emotion code → project label (calm → neutral), as the voice corpus reader maps it. */
const RAVDESS_EMOTION: Record<string, string> = Object.fromEntries(
  Object.entries(RAVDESS_LABELS).map(([code, [, label]]) => [code, label]),
);

/** Letter names pocketsphinx may write for a spoken letter (CMUdict spellings of the letter's sound). */
const LETTER_NAMES: Record<string, string> = {
  bee: "b",
  be: "b",
  see: "c",
  sea: "c",
  dee: "d",
  gee: "g",
  jay: "j",
  kay: "k",
  el: "l",
  em: "m",
  en: "n",
  oh: "o",
  pee: "p",
  cue: "q",
  queue: "q",
  are: "r",
  ess: "s",
  tea: "t",
  tee: "t",
  you: "u",
  ex: "x",
  why: "y",
  zee: "z",
  eye: "i",
};

/** GRID hypothesis words with letter names written as letters (the reference writes letters). */
function gridHypothesis(words: string[]): string[] {
  return words.map((w) => LETTER_NAMES[w] ?? w.replace(/^([a-z])\.$/, "$1"));
}

function cpuTicks(pid: number): number {
  const f = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
  return Number(f[11]) + Number(f[12]); // utime + stime (fields 14, 15), clock ticks
}

function auroc(scores: number[], labels: boolean[]): number {
  const pos = scores.filter((_, i) => labels[i]), neg = scores.filter((_, i) => !labels[i]);
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return pos.length && neg.length ? wins / (pos.length * neg.length) : NaN;
}

function ece(scores: number[], labels: boolean[], bins = 10): number {
  let total = 0;
  for (let b = 0; b < bins; b++) {
    const idx = scores.map((s, i) => [s, i] as const).filter((
      [s],
    ) => (b === bins - 1 ? s >= b / bins : s >= b / bins && s < (b + 1) / bins));
    if (!idx.length) continue;
    const conf = idx.reduce((a, [s]) => a + s, 0) / idx.length;
    const acc = idx.reduce((a, [, i]) => a + (labels[i] ? 1 : 0), 0) / idx.length;
    total += (idx.length / scores.length) * Math.abs(conf - acc);
  }
  return total;
}

function pearson(a: number[], b: number[]): number {
  const ma = a.reduce((x, y) => x + y, 0) / a.length, mb = b.reduce((x, y) => x + y, 0) / b.length;
  let sab = 0, saa = 0, sbb = 0;
  a.forEach((x, i) => (sab += (x - ma) * (b[i] - mb), saa += (x - ma) ** 2, sbb += (b[i] - mb) ** 2));
  return sab / Math.sqrt(saa * sbb);
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

interface Item {
  path: string;
  corpus: "ravdess" | "grid";
  ref: string;
  actor?: number;
  emotion?: string;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      step: { type: "string", default: "18" },
      out: { type: "string", default: `${ROOT}docs/asr_results.json` },
    },
  });
  const step = Number(values.step);
  const ravdess: Item[] = [];
  for (let a = 1; a <= 24; a++) {
    const dir = `voice/ravdess/Actor_${String(a).padStart(2, "0")}`;
    try {
      for (const p of listClips(dir)) {
        const name = p.split("/").pop()!;
        ravdess.push({
          path: p,
          corpus: "ravdess",
          ref: ravdessTranscript(name)!,
          actor: a,
          emotion: RAVDESS_EMOTION[name.slice(6, 8)],
        });
      }
    } catch { /* held-out actor */ }
  }
  const items: Item[] = [
    ...ravdess.filter((_, i) => i % step === 0),
    ...listClips("media", ".mpg").map((p) => ({ path: p, corpus: "grid" as const, ref: gridTranscript(p)! })),
  ];
  const sphinx = await SphinxProcess.start({ calibration: null });
  await sphinx.recognize(new Float32Array(16000), "warmup");
  const t0 = cpuTicks(sphinx.pid);
  let audioS = 0;
  const results: { item: Item; r: Recognition; hyp: string[]; ref: string[] }[] = [];
  for (const [k, item] of items.entries()) {
    const pcm = await decodeAudio(item.path);
    audioS += pcm.length / 16000;
    const r = await sphinx.recognize(pcm, `e${k}`);
    const words = r.words.map((w) => normalizeWords(w.text)[0] ?? "");
    results.push({
      item,
      r,
      hyp: item.corpus === "grid" ? gridHypothesis(words) : words,
      ref: normalizeWords(item.ref),
    });
    Deno.stderr.writeSync(new TextEncoder().encode(`\r${k + 1}/${items.length}`));
  }
  const cpuS = (cpuTicks(sphinx.pid) - t0) / 100; // USER_HZ is 100 on Linux
  sphinx.kill();
  console.error("");

  const wer = (rs: typeof results) => {
    let e = 0, n = 0;
    for (const x of rs) {
      const c = alignWords(x.ref, x.hyp);
      e += c.substitutions + c.deletions + c.insertions;
      n += c.n;
    }
    return { wer: r3(e / n), utterances: rs.length, referenceWords: n };
  };
  const byCorpus = (c: string) => results.filter((x) => x.item.corpus === c);

  // Word confidence: each hypothesis word is correct when the alignment matches it.
  const fit = { s: [] as number[], y: [] as boolean[] }, held = { s: [] as number[], y: [] as boolean[] };
  const uttConf: number[] = [], uttAcc: number[] = [];
  for (const x of results) {
    const c = alignWords(x.ref, x.hyp);
    const target = x.item.corpus === "ravdess" && x.item.actor! % 2 === 1 ? fit : held;
    x.r.words.forEach((w, i) => (target.s.push(w.confidence), target.y.push(c.hypCorrect[i])));
    if (x.r.words.length) {
      uttConf.push(x.r.confidence);
      uttAcc.push(Math.max(0, 1 - (c.substitutions + c.deletions + c.insertions) / c.n));
    }
  }
  const map: CalibrationMap = fitIsotonic(fit.s, fit.y);
  const heldCal = held.s.map((s) => calibrate(s, map));

  // Text emotion on ASR text vs gold text (RAVDESS only: GRID has no emotion labels).
  const engine = await Engine.load({ disable: ["voice", "face"] });
  const text = { agree: 0, goldAcc: 0, asrAcc: 0, n: 0, goldNeutral: 0, asrNeutral: 0 };
  for (const x of byCorpus("ravdess")) {
    const conv = engine.createText();
    if (!conv) break;
    const gold = await conv.estimate({ speaker: "s", text: x.item.ref });
    const asr = x.r.text ? await conv.estimate({ speaker: "s", text: x.r.text }) : null;
    const gl = EMOTIONS[gold!.probs.indexOf(Math.max(...gold!.probs))];
    const al = asr ? EMOTIONS[asr.probs.indexOf(Math.max(...asr.probs))] : "neutral";
    text.n++;
    text.agree += gl === al ? 1 : 0;
    text.goldAcc += gl === x.item.emotion ? 1 : 0;
    text.asrAcc += al === x.item.emotion ? 1 : 0;
    text.goldNeutral += gl === "neutral" ? 1 : 0;
    text.asrNeutral += al === "neutral" ? 1 : 0;
  }
  engine.close();

  const out = {
    command: `nice deno run -A training/asr/evaluate_asr.ts --step ${step}`,
    recogniser:
      "pocketsphinx 0.8+5prealpha (Debian), en-us acoustic model, en-us.lm.bin trigram LM, cmudict-en-us; default beams",
    sample: `RAVDESS every ${step}th clip of the ${ravdess.length} present (actors 1–18), all ${
      byCorpus("grid").length
    } GRID clips of media/`,
    wer: { all: wer(results), ravdess: wer(byCorpus("ravdess")), grid: wer(byCorpus("grid")) },
    realTimeFactorPerCore: { cpuSeconds: r3(cpuS), audioSeconds: r3(audioS), rtf: r3(cpuS / audioS) },
    confidence: {
      fitWords: fit.s.length,
      heldOutWords: held.s.length,
      heldOutAccuracy: r3(held.y.filter(Boolean).length / held.y.length),
      aurocPosterior: r3(auroc(held.s, held.y)),
      eceRaw: r3(ece(held.s, held.y)),
      eceCalibrated: r3(ece(heldCal, held.y)),
      utteranceConfidenceVsAccuracyPearson: r3(pearson(uttConf, uttAcc)),
      utterances: uttConf.length,
    },
    textEmotion: {
      n: text.n,
      asrVsGoldLabelAgreement: r3(text.agree / text.n),
      accuracyGoldText: r3(text.goldAcc / text.n),
      accuracyAsrText: r3(text.asrAcc / text.n),
      neutralShareGold: r3(text.goldNeutral / text.n),
      neutralShareAsr: r3(text.asrNeutral / text.n),
    },
    examples: results.slice(0, 6).map((x) => ({ ref: x.item.ref, hyp: x.r.text, confidence: r3(x.r.confidence) }))
      .concat(
        byCorpus("grid").slice(0, 3).map((x) => ({ ref: x.item.ref, hyp: x.r.text, confidence: r3(x.r.confidence) })),
      ),
    date: new Date().toISOString().slice(0, 10),
  };
  await Deno.writeTextFile(values.out!, JSON.stringify(out, null, 2) + "\n");
  const improves = out.confidence.eceCalibrated < out.confidence.eceRaw;
  const fitted = { x: map.x.map((v) => Math.round(v * 1e4) / 1e4), y: map.y.map((v) => Math.round(v * 1e4) / 1e4) };
  await Deno.writeTextFile(
    `${ROOT}lib/asr/asr_calibration.json`,
    JSON.stringify(
      {
        fitted: {
          command: out.command,
          data: `RAVDESS odd actors in the sample, ${fit.s.length} words`,
          date: out.date,
          heldOutEce: { raw: out.confidence.eceRaw, calibrated: out.confidence.eceCalibrated },
          // The map ships only if it improves calibration on the held-out words; otherwise the
          // raw posterior is reported (an empty map is the identity).
          applied: improves,
        },
        map: improves ? fitted : { x: [], y: [] },
        fittedMap: fitted,
      },
      null,
      2,
    ) + "\n",
  );
  console.log(JSON.stringify(out, null, 2));
}
