/**
 * Voicing on quiet speech: the voiced-frame ratio of the corpora's quietest clips (and, for
 * comparison, of normal-level ones), so a change to the pitch tracker's voicing decision is
 * measured where it matters. Level is the clip's active level: RMS in dBFS over its 20 ms frames
 * within 30 dB of its loudest frame (speech, not the leading and trailing silence).
 *
 * With `--compare`, every clip is analysed with the level-relative voicing floor on and off
 * (PitchAnalyzer `relativeFloor`), and the report says which clips' features changed, by level,
 * and how the voice model's prediction moved (fresh speaker normaliser per clip, whole clip).
 *
 *   deno run -A training/voice/quiet_voicing.ts [--quietest 40] [--out artifacts/quiet_voicing.json] [--compare]
 */
import { decodeAudio } from "../../lib/media/decode.ts";
import { extractLlds } from "../../lib/voice/lld_extractor.ts";
import { LLD, LLD_COUNT } from "../../lib/voice/lld_names.ts";
import { DATA_DIR, listClips } from "../../lib/testing/data.ts";
import { softmax } from "../../lib/emotion/affect.ts";
import { computeFunctionals } from "../../lib/voice/functionals.ts";
import { SpeakerNormalizer } from "../../lib/voice/speaker_normalizer.ts";
import { VoiceModel } from "../../lib/voice/voice_model.ts";

/** Active speech level of a clip, in dBFS: RMS over frames within 30 dB of the loudest. */
export function activeLevelDb(x: Float32Array): number {
  const frame = 320;
  const energies: number[] = [];
  for (let i = 0; i + frame <= x.length; i += frame) {
    let s = 0;
    for (let k = 0; k < frame; k++) s += x[i + k] * x[i + k];
    energies.push(s / frame);
  }
  const max = Math.max(...energies, 1e-20);
  const active = energies.filter((e) => e >= max / 1000);
  const mean = active.reduce((a, b) => a + b, 0) / Math.max(1, active.length);
  return 10 * Math.log10(mean + 1e-20);
}

/** Fraction of 10 ms frames with F0 > 0. */
function voicedRatio(x: Float32Array): number {
  const llds = extractLlds(x);
  const frames = llds.length / LLD_COUNT;
  let v = 0;
  for (let t = 0; t < frames; t++) if (llds[t * LLD_COUNT + LLD.f0] > 0) v++;
  return frames ? v / frames : 0;
}

const args = Deno.args;
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const quietest = Number(arg("--quietest", "40"));
const out = arg("--out", "");

if (import.meta.main) {
  const clips: string[] = [];
  for (let a = 1; a <= 18; a++) clips.push(...listClips(`voice/ravdess/Actor_${String(a).padStart(2, "0")}`));
  clips.push(...listClips("voice/emodb", ".flac").concat(listClips("voice/emodb", ".wav")));
  const levels: { path: string; levelDb: number }[] = [];
  for (const path of clips) levels.push({ path, levelDb: activeLevelDb(await decodeAudio(path)) });
  levels.sort((a, b) => a.levelDb - b.levelDb);
  const pick = [
    ...levels.slice(0, quietest).map((l) => ({ ...l, group: "quietest" })),
    // normal level: a spread sample around the median
    ...levels.filter((_, i) => i % Math.floor(levels.length / quietest) === 0).slice(0, quietest)
      .map((l) => ({ ...l, group: "spread" })),
  ];
  const rows: { path: string; levelDb: number; group: string; voicedRatio: number }[] = [];
  for (const p of pick) {
    const x = await decodeAudio(p.path);
    rows.push({ ...p, path: p.path.slice(DATA_DIR.length + 1), voicedRatio: Math.round(voicedRatio(x) * 1000) / 1000 });
  }
  const summary = (g: string) => {
    const r = rows.filter((x) => x.group === g).map((x) => x.voicedRatio).sort((a, b) => a - b);
    const q = (p: number) => r[Math.min(r.length - 1, Math.floor(p * r.length))];
    return { n: r.length, min: r[0], p10: q(0.1), median: q(0.5), p90: q(0.9) };
  };
  const median = levels[Math.floor(levels.length / 2)].levelDb;
  const report = {
    clips: levels.length,
    levelDb: { min: levels[0].levelDb, median, max: levels[levels.length - 1].levelDb },
    quietestLevelDbMax: levels[quietest - 1].levelDb,
    voicedRatio: { quietest: summary("quietest"), spread: summary("spread") },
    rows,
  };
  console.log(JSON.stringify({ ...report, rows: undefined }, null, 1));
  if (out) await Deno.writeTextFile(out, JSON.stringify(report, null, 1));
  const maxLevel = Number(arg("--max-level", "Infinity"));
  if (args.includes("--compare")) {
    console.log(JSON.stringify(await compare(levels.filter((l) => l.levelDb < maxLevel)), null, 1));
  }
}

/** The clip's label index in EMOTIONS order from its file name (RAVDESS, EmoDB), or -1 (EmoDB boredom). */
function labelOf(path: string): number {
  const name = path.split("/").pop()!;
  if (path.includes("/ravdess/")) return [0, 0, 1, 2, 3, 4, 5, 6][Number(name.split("-")[2]) - 1];
  return ({ N: 0, F: 1, T: 2, W: 3, A: 4, E: 5 } as Record<string, number>)[name[5]] ?? -1;
}

/** Features, predictions and accuracy with the relative floor on vs off, by active-level band. */
async function compare(levels: { path: string; levelDb: number }[]) {
  const model = await VoiceModel.load("models");
  type Band = {
    clips: number;
    changed: number;
    maxRelChange: number;
    argmaxChanged: number;
    meanAbsProb: number;
    labelled: number;
    correctOff: number;
    correctOn: number;
  };
  const bands = new Map<string, Band>();
  for (const { path, levelDb } of levels) {
    const x = await decodeAudio(path);
    const predict = async (relativeFloor: boolean) => {
      const llds = extractLlds(x, { pitch: { relativeFloor } });
      const f = computeFunctionals(llds, llds.length / LLD_COUNT)!;
      const input = new SpeakerNormalizer(model.normalization).normalize(model.featureIndices.map((i) => f[i]));
      return { f, probs: softmax(await model.infer(input), model.temperature) };
    };
    const off = await predict(false), on = await predict(true);
    const band = levelDb < -45 ? "< -45 dBFS" : levelDb < -35 ? "-45..-35 dBFS" : ">= -35 dBFS";
    const b = bands.get(band) ??
      {
        clips: 0,
        changed: 0,
        maxRelChange: 0,
        argmaxChanged: 0,
        meanAbsProb: 0,
        labelled: 0,
        correctOff: 0,
        correctOn: 0,
      };
    b.clips++;
    let rel = 0;
    off.f.forEach((v, i) => rel = Math.max(rel, Math.abs(on.f[i] - v) / Math.max(1e-6, Math.abs(v))));
    if (rel > 0) b.changed++;
    b.maxRelChange = Math.max(b.maxRelChange, rel);
    const am = (p: number[]) => p.indexOf(Math.max(...p));
    if (am(on.probs) !== am(off.probs)) b.argmaxChanged++;
    const y = labelOf(path);
    if (y >= 0) {
      b.labelled++;
      if (am(off.probs) === y) b.correctOff++;
      if (am(on.probs) === y) b.correctOn++;
    }
    b.meanAbsProb += on.probs.reduce((s, p, k) => s + Math.abs(p - off.probs[k]), 0) / 2;
    bands.set(band, b);
  }
  for (const b of bands.values()) b.meanAbsProb = Math.round((b.meanAbsProb / b.clips) * 1e4) / 1e4;
  return Object.fromEntries(bands);
}
