/**
 * Measures the ShiftTracker (lib/shift) on sequences with known labels and chooses its defaults:
 *   - MELD and EmoryNLP dev dialogues, the text head's estimates through the shipped fusion, one
 *     tracker per speaker and dialogue; a reference shift is a speaker's labelled emotion
 *     differing from their previous utterance's;
 *   - voice-only streams: per speaker, validation clips (out-of-fold voice predictions)
 *     concatenated into runs of one emotion (1–4 clips), a reference shift at each run change.
 * A predicted shift is correct when a reference shift lies among its `toUtteranceIds` (each
 * reference matched once). False shift rate: predicted shifts with no reference shift among their
 * utterances, per utterance whose label equals the previous one (a run of unchanged emotion).
 * The options grid is searched on MELD dev and the voice streams of half the speakers (highest mean
 * F1 with at most MAX_FALSE_SHIFT_RATE false shifts per unchanged utterance on both); EmoryNLP and
 * the other speakers' streams are held out. Each is reported next to "a shift at every change of
 * arg-max".
 *
 *   deno run -A training/fusion/shift_eval.ts
 */
import { softmax } from "../../lib/emotion/affect.ts";
import { EMOTIONS } from "../../lib/emotion/labels.ts";
import { fuse } from "../../lib/fusion/fuse.ts";
import type { Modality } from "../../lib/modality/estimate.ts";
import { type ShiftInput, ShiftTracker, type ShiftTrackerOptions } from "../../lib/shift/shift_tracker.ts";
import { halfOf, rng } from "./combinations.ts";
import { headEstimate, type HeadPredictions, readHead } from "./head_predictions.ts";

/** One utterance of a labelled sequence. */
interface SeqItem {
  input: ShiftInput;
  /** Reference label (the corpus's own, so EmoryNLP Peaceful ≠ Neutral). */
  ref: string;
}

function inputOf(id: string, t: number, modality: Modality, probs: number[]): ShiftInput {
  const f = fuse([headEstimate(modality, probs, 1)]);
  return {
    utteranceId: id,
    startMs: t * 3000,
    endMs: t * 3000 + 2500,
    probs: f.probs,
    confidence: f.confidence,
    modalities: { [modality]: { probs, weight: 1 } },
  };
}

/** Per-speaker sequences of one corpus's dev dialogues. */
function dialogueSequences(text: HeadPredictions, corpus: string): SeqItem[][] {
  const seqs = new Map<string, SeqItem[]>();
  for (const s of text.samples) {
    const d = s.dialogue;
    if (!d || d.corpus !== corpus) continue;
    const key = `${d.id}\u0000${d.speaker}`;
    const list = seqs.get(key) ?? [];
    list.push({ input: inputOf(s.id, d.turn, "text", softmax(s.logits, text.temperature)), ref: d.native.join("+") });
    seqs.set(key, list);
  }
  return [...seqs.values()];
}

/** Voice streams: per speaker, runs of 1–4 clips of one emotion, the emotion changing between runs. */
function voiceStreams(
  voice: HeadPredictions & { foldTemperatures?: Record<string, number> },
  seed: number,
  half?: 0 | 1,
): SeqItem[][] {
  const next = rng(seed);
  const bySpeaker = new Map<string, Map<number, { id: string; probs: number[] }[]>>();
  for (const s of voice.samples as (typeof voice.samples[number] & { fold?: number })[]) {
    const t = voice.foldTemperatures && s.fold !== undefined
      ? voice.foldTemperatures[String(s.fold)]
      : voice.temperature;
    const m = bySpeaker.get(s.group) ?? new Map();
    const list = m.get(s.label) ?? [];
    list.push({ id: s.id, probs: softmax(s.logits, t) });
    m.set(s.label, list);
    bySpeaker.set(s.group, m);
  }
  const streams: SeqItem[][] = [];
  for (const [speaker, byLabel] of [...bySpeaker.entries()].sort()) {
    if (half !== undefined && halfOf(speaker) !== half) continue;
    const labels = [...byLabel.keys()].sort();
    for (let n = 0; n < 5; n++) {
      const seq: SeqItem[] = [];
      const used = new Map<number, number>();
      let prev = -1;
      for (let run = 0; run < 10; run++) {
        const choices = labels.filter((l) => l !== prev);
        const label = choices[Math.floor(next() * choices.length)];
        const len = 1 + Math.floor(next() * 4);
        const pool = byLabel.get(label)!;
        for (let i = 0; i < len; i++) {
          const u = used.get(label) ?? Math.floor(next() * pool.length);
          used.set(label, u + 1);
          const clip = pool[u % pool.length];
          seq.push({
            input: inputOf(`${clip.id}#${seq.length}`, seq.length, "voice", clip.probs),
            ref: EMOTIONS[label],
          });
        }
        prev = label;
      }
      streams.push(seq);
    }
  }
  return streams;
}

interface ShiftScore {
  references: number;
  predicted: number;
  precision: number;
  recall: number;
  f1: number;
  /** False shifts per utterance of unchanged emotion. */
  falseShiftRate: number;
  unchangedUtterances: number;
}

function evaluate(seqs: SeqItem[][], options: ShiftTrackerOptions): ShiftScore {
  let refs = 0, predicted = 0, matched = 0, unchanged = 0, falseShifts = 0;
  for (const seq of seqs) {
    const tracker = new ShiftTracker(options);
    const refShift = seq.map((u, i) => i > 0 && u.ref !== seq[i - 1].ref);
    const index = new Map(seq.map((u, i) => [u.input.utteranceId, i]));
    const used = new Set<number>();
    refs += refShift.filter(Boolean).length;
    unchanged += refShift.filter((r, i) => i > 0 && !r).length;
    for (const u of seq) {
      const s = tracker.update(u.input);
      if (!s) continue;
      predicted++;
      const hit = s.toUtteranceIds.map((id) => index.get(id)!).find((i) => refShift[i] && !used.has(i));
      if (hit !== undefined) {
        used.add(hit);
        matched++;
      } else if (!s.toUtteranceIds.some((id) => refShift[index.get(id)!])) falseShifts++;
    }
  }
  const precision = predicted ? matched / predicted : 0, recall = refs ? matched / refs : 0;
  return {
    references: refs,
    predicted,
    precision: r4(precision),
    recall: r4(recall),
    f1: r4(precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0),
    falseShiftRate: r4(unchanged ? falseShifts / unchanged : 0),
    unchangedUtterances: unchanged,
  };
}

const text = await readHead("text");
const voice = await readHead("voice");
const meld = dialogueSequences(text, "meld");
const emory = dialogueSequences(text, "emorynlp");
// speakers split in halves: one tunes the defaults with MELD, the other is held out
const streamsTune = voiceStreams(voice, 5, 0);
const streamsHeldOut = voiceStreams(voice, 6, 1);

const grid: { options: Required<ShiftTrackerOptions>; meld: ShiftScore; voice: ShiftScore }[] = [];
for (const minConfidence of [0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]) {
  for (const minSize of [0, 0.1, 0.2, 0.3, 0.4, 0.5]) {
    for (const persistence of [1, 2]) {
      for (const stateMemory of [1, 3]) {
        const options = { minConfidence, minSize, persistence, stateMemory };
        grid.push({ options, meld: evaluate(meld, options), voice: evaluate(streamsTune, options) });
      }
    }
  }
}
/**
 * Most false shifts tolerated per utterance of unchanged emotion. Reference shifts are frequent in
 * MELD (more than unchanged steps), so F1 alone would pick "shift on every change of arg-max":
 * the very flicker the issue rules out. The defaults maximise F1 under this ceiling instead.
 */
const MAX_FALSE_SHIFT_RATE = 0.15;
const admissible = grid.filter((g) =>
  g.meld.falseShiftRate <= MAX_FALSE_SHIFT_RATE && g.voice.falseShiftRate <= MAX_FALSE_SHIFT_RATE
);
const tuneF1 = (g: typeof grid[number]) => (g.meld.f1 + g.voice.f1) / 2;
const best = admissible.reduce((a, b) => (tuneF1(b) > tuneF1(a) ? b : a));
const everyChange = { minConfidence: 0, minSize: 0, persistence: 1, stateMemory: 1 };
const report = {
  date: new Date().toISOString().slice(0, 10),
  sequences: {
    meld: meld.length,
    emorynlp: emory.length,
    voiceTune: streamsTune.length,
    voiceHeldOut: streamsHeldOut.length,
  },
  chosen: best.options,
  chosenBy: `highest mean shift F1 over MELD dev and the tuning half of the voice streams, among grid points ` +
    `with a false shift rate ≤ ${MAX_FALSE_SHIFT_RATE} on both (EmoryNLP and the other half of the speakers held out)`,
  results: {
    chosen: {
      meld: best.meld,
      voiceTune: best.voice,
      emorynlp: evaluate(emory, best.options),
      voiceHeldOut: evaluate(streamsHeldOut, best.options),
    },
    everyArgmaxChange: {
      meld: evaluate(meld, everyChange),
      voiceTune: evaluate(streamsTune, everyChange),
      emorynlp: evaluate(emory, everyChange),
      voiceHeldOut: evaluate(streamsHeldOut, everyChange),
    },
  },
  grid: grid.map((g) => ({
    ...g.options,
    meldF1: g.meld.f1,
    meldFalseShiftRate: g.meld.falseShiftRate,
    voiceF1: g.voice.f1,
    voiceFalseShiftRate: g.voice.falseShiftRate,
  })),
};
await Deno.mkdir("training/fusion/results", { recursive: true });
await Deno.writeTextFile("training/fusion/results/shift_eval.json", JSON.stringify(report, null, 1) + "\n");
console.log(JSON.stringify({ chosen: report.chosen, sequences: report.sequences, results: report.results }, null, 1));

function r4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
