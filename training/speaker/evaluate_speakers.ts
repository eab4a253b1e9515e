/**
 * Measures who-is-speaking on composites built from the real clips, writing
 * docs/speaker_results.json (figures quoted by docs/asr.md):
 *
 * - attribution: pairs of GRID talking-face clips side by side (lib/speaker/composite.ts) with the
 *   audio of one; the utterance (VAD span) must go to the face on that side. Both faces talk, so
 *   only audio-visual synchrony can decide; the motion-only fallback is scored beside it.
 * - single speaker: GRID clips alone must yield one face id (no false second speaker).
 * - voice changes (audio only): sequences of RAVDESS clips of two actors (and of one actor, where
 *   any change is false) through the BIC detector (lib/speaker/voice_change.ts); λ chosen on odd
 *   actors, measured on even actors.
 *
 *   nice deno run -A training/speaker/evaluate_speakers.ts [--pairs 6] [--part all|faces|voice]
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { decodeAudio } from "../../lib/media/decode.ts";
import { trimmedSpan } from "../../lib/segment/utterance_detector.ts";
import { SileroVad } from "../../lib/segment/silero_vad.ts";
import { DATA_DIR, listClips } from "../../lib/testing/data.ts";
import { sideBySide } from "../../lib/speaker/composite.ts";
import { MultiFaceExtractor } from "../../lib/offline/multi_face_extractor.ts";
import { attributeSpans } from "../../lib/speaker/speaker_timeline.ts";
import { VoiceChangeDetector, voicedFeatureFrames } from "../../lib/speaker/voice_change.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Deterministic PRNG (mulberry32). */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function faces(pairs: number, fps?: number) {
  const grid = listClips("media", ".mpg");
  const vad = await SileroVad.load();
  const ex = await MultiFaceExtractor.open({ modelPath: `${DATA_DIR}/models/face_landmarker.task`, fps });
  const dir = await Deno.makeTempDir({ prefix: "affectstream-speakers-" });
  let correct = 0, motionCorrect = 0, n = 0;
  const methods: Record<string, number> = {};
  const trials: unknown[] = [];
  try {
    for (let i = 0; i < pairs; i++) {
      const left = grid[(2 * i) % grid.length], right = grid[(2 * i + 1) % grid.length];
      // The picture is the same whichever clip's audio the composite carries: faces are measured
      // once per pair, and each clip's own audio (the composite's track) is tried against them.
      const out = `${dir}/c${i}.mp4`;
      await sideBySide(left, right, "left", out);
      const frames = await ex.extract(out);
      for (const [side, clip] of [["left", left], ["right", right]] as const) {
        const pcm = await decodeAudio(clip);
        const span = await trimmedSpan(vad, pcm);
        const [d] = attributeSpans(frames, pcm, [span]);
        const sideOf = (b: number[] | undefined) => (b ? (b[0] + b[2] / 2 < 0.5 ? "left" : "right") : "none");
        const got = sideOf(d?.box);
        const motion = d ? Object.entries(d.attribution.motion).sort((a, b) => b[1] - a[1])[0] : undefined;
        const motionSide = sideOf(frames.flatMap((f) => f.faces).find((f) => f.faceId === Number(motion?.[0]))?.box);
        n++;
        correct += got === side ? 1 : 0;
        motionCorrect += motionSide === side ? 1 : 0;
        if (d) methods[d.attribution.method] = (methods[d.attribution.method] ?? 0) + 1;
        trials.push({
          left: left.split("/").pop(),
          right: right.split("/").pop(),
          audio: side,
          got,
          correlation: d?.attribution.correlation,
        });
        Deno.stderr.writeSync(new TextEncoder().encode(`\rattribution ${n}/${2 * pairs}`));
      }
    }
    console.error("");
    // Single speaker: one clip alone must give one face id.
    let single = 0, falseSecond = 0;
    for (const clip of grid.slice(0, pairs)) {
      const frames = await ex.extract(clip);
      const ids = new Set(frames.flatMap((f) => f.faces.map((x) => x.faceId)));
      single++;
      if (ids.size > 1) falseSecond++;
    }
    return {
      composites: n,
      accuracy: r3(correct / n),
      motionOnlyAccuracy: r3(motionCorrect / n),
      methods,
      singleSpeakerClips: single,
      falseSecondFace: falseSecond,
      fps: ex.fps,
      trials,
    };
  } finally {
    await ex.close();
    vad.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

async function voiceFeatures() {
  const out = new Map<number, Float64Array[][]>();
  for (let a = 1; a <= 18; a++) {
    const clips = listClips(`voice/ravdess/Actor_${String(a).padStart(2, "0")}`).filter((_, i) => i % 6 === 0);
    const rows: Float64Array[][] = [];
    for (const c of clips) rows.push(voicedFeatureFrames(await decodeAudio(c)));
    out.set(a, rows);
    Deno.stderr.writeSync(new TextEncoder().encode(`\rvoice features actor ${a}/18`));
  }
  console.error("");
  return out;
}

/** Change-detection counts over sequences of the given actors. */
function scoreVoice(features: Map<number, Float64Array[][]>, actors: number[], lambda: number, seed: number) {
  const rand = rng(seed);
  let tp = 0, fp = 0, fn = 0, singleChanges = 0, singleBoundaries = 0, singleFalseVoice = 0, singles = 0;
  for (let k = 0; k < actors.length; k++) {
    const a = actors[k], b = actors[(k + 1) % actors.length];
    // Two-speaker sequence: 8 utterances, speakers in runs (A A B A B B A B, shuffled by seed).
    const fa = [...features.get(a)!], fb = [...features.get(b)!];
    const pattern = Array.from({ length: 8 }, (_, i) => (i === 0 ? 0 : rand() < 0.5 ? 0 : 1));
    const det = new VoiceChangeDetector({ lambda });
    let prev = -1;
    pattern.forEach((who, i) => {
      const rows = who === 0 ? fa[i % fa.length] : fb[i % fb.length];
      const d = det.pushFrames(rows);
      if (i > 0) {
        const truth = who !== prev;
        if (d.change && truth) tp++;
        else if (d.change && !truth) fp++;
        else if (!d.change && truth) fn++;
      }
      prev = who;
    });
    // Single-speaker sequence: all of actor a's clips.
    const single = new VoiceChangeDetector({ lambda });
    let voices = 0;
    fa.forEach((rows, i) => {
      const d = single.pushFrames(rows);
      voices = Math.max(voices, d.voiceId);
      if (i > 0) (singleBoundaries++, singleChanges += d.change ? 1 : 0);
    });
    singles++;
    if (voices > 1) singleFalseVoice++;
  }
  const precision = tp / Math.max(1, tp + fp), recall = tp / Math.max(1, tp + fn);
  return {
    lambda,
    changePrecision: r3(precision),
    changeRecall: r3(recall),
    changeF1: r3((2 * precision * recall) / Math.max(1e-9, precision + recall)),
    twoSpeakerSequences: actors.length,
    singleSpeakerSequences: singles,
    singleSpeakerFalseChangeRate: r3(singleChanges / Math.max(1, singleBoundaries)),
    singleSpeakerSequencesWithFalseVoice: singleFalseVoice,
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      pairs: { type: "string", default: "6" },
      part: { type: "string", default: "all" },
      fps: { type: "string" },
    },
  });
  const path = `${ROOT}docs/speaker_results.json`;
  let prior: Record<string, unknown> = {};
  try {
    prior = JSON.parse(await Deno.readTextFile(path));
  } catch { /* first run */ }
  const result: Record<string, unknown> = { ...prior, date: new Date().toISOString().slice(0, 10) };
  if (values.part === "all" || values.part === "faces") {
    // The default rate is reported as `attribution`; another --fps as `attributionAt<fps>fps`.
    const fps = values.fps ? Number(values.fps) : undefined;
    result[fps ? `attributionAt${fps}fps` : "attribution"] = {
      command: `nice deno run -A training/speaker/evaluate_speakers.ts --part faces --pairs ${values.pairs}${
        fps ? ` --fps ${fps}` : ""
      }`,
      ...(await faces(Number(values.pairs), fps)),
    };
  }
  if (values.part === "all" || values.part === "voice") {
    const feats = await voiceFeatures();
    const odd = [1, 3, 5, 7, 9, 11, 13, 15, 17], even = [2, 4, 6, 8, 10, 12, 14, 16, 18];
    const grid = [0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3].map((l) => scoreVoice(feats, odd, l, 1));
    // Chosen: best change F1 minus the single-speaker false-change rate on odd actors.
    const chosen = grid.reduce((
      a,
      b,
    ) => (b.changeF1 - b.singleSpeakerFalseChangeRate > a.changeF1 - a.singleSpeakerFalseChangeRate ? b : a));
    result.voiceChange = {
      command: "nice deno run -A training/speaker/evaluate_speakers.ts --part voice",
      data: "RAVDESS actors 1–18, every 6th clip of each (10 clips per actor, emotions and statements mixed)",
      selection: grid,
      chosenLambda: chosen.lambda,
      heldOut: scoreVoice(feats, even, chosen.lambda, 2),
    };
  }
  await Deno.writeTextFile(path, JSON.stringify(result, null, 2) + "\n");
  console.log(JSON.stringify(result, null, 2));
}
