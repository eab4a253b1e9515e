/**
 * What recognised text does to fusion where the words carry no emotion: RAVDESS clips (two
 * neutral statements, acted emotions) through `analyze --manifest` with speech recognition, then
 * accuracy against the acted emotion of the fused estimate voice only, voice + ASR text at
 * coverage 1 (as if it were a client transcript), and voice + ASR text with coverage scaled by the
 * recogniser's confidence (as shipped). Writes the figures into docs/asr_results.json
 * (`fusionEffect`). The voice model was trained on these actors (1–18), so absolute accuracies are
 * in-sample; the comparison between the three is what this measures.
 *
 *   nice deno run -A training/asr/fusion_effect.ts [--step 18]
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { runAnalyze } from "../../lib/cli/analyze.ts";
import { argmaxLabel } from "../../lib/emotion/labels.ts";
import { fuse } from "../../lib/fusion/fuse.ts";
import type { Modality, ModalityEstimate } from "../../lib/modality/estimate.ts";
import { listClips } from "../../lib/testing/data.ts";
import { RAVDESS_LABELS } from "../voice/corpus.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** RAVDESS emotion code → project label (calm → neutral), as the voice corpus reader maps it. */
const RAVDESS_EMOTION: Record<string, string> = Object.fromEntries(
  Object.entries(RAVDESS_LABELS).map(([code, [, label]]) => [code, label]),
);
const r3 = (x: number) => Math.round(x * 1000) / 1000;

function estimate(modality: Modality, e: Record<string, any>, coverage?: number): ModalityEstimate {
  return {
    modality,
    probs: e.probs,
    confidence: e.confidence,
    uncertainty: e.uncertainty,
    valence: e.valence,
    arousal: e.arousal,
    coverage: coverage ?? e.coverage,
    model: e.model,
    ...(e.sentiment ? { sentiment: e.sentiment } : {}),
  };
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { step: { type: "string", default: "18" } } });
  const step = Number(values.step);
  const clips: string[] = [];
  for (let a = 1; a <= 24; a++) {
    try {
      clips.push(...listClips(`voice/ravdess/Actor_${String(a).padStart(2, "0")}`));
    } catch { /* held out */ }
  }
  const sample = clips.filter((_, i) => i % step === 0);
  const dir = await Deno.makeTempDir();
  const manifest = `${dir}/items.jsonl`, out = `${dir}/preds.jsonl`;
  await Deno.writeTextFile(
    manifest,
    sample.map((p) => {
      const name = p.split("/").pop()!;
      return JSON.stringify({
        id: name,
        media: p,
        speaker: `actor-${name.slice(18, 20)}`,
        label: RAVDESS_EMOTION[name.slice(6, 8)],
      });
    }).join("\n") + "\n",
  );
  await runAnalyze({ files: [], manifest, out, engine: { disable: ["face"] } });
  const preds = (await Deno.readTextFile(out)).trim().split("\n").map((l) => JSON.parse(l));
  let n = 0, voiceOnly = 0, unscaled = 0, scaled = 0, withText = 0, shippedAgrees = 0;
  const weights: number[] = [], weightsUnscaled: number[] = [];
  for (const p of preds) {
    if (!p.modalities?.voice) continue;
    const label = RAVDESS_EMOTION[p.id.slice(6, 8)];
    n++;
    const v = estimate("voice", p.modalities.voice);
    voiceOnly += argmaxLabel(fuse([v]).probs) === label ? 1 : 0;
    if (!p.modalities.text) {
      unscaled += argmaxLabel(fuse([v]).probs) === label ? 1 : 0;
      scaled += argmaxLabel(fuse([v]).probs) === label ? 1 : 0;
      continue;
    }
    withText++;
    const tScaled = estimate("text", p.modalities.text);
    const tFull = estimate("text", p.modalities.text, 1);
    const fu = fuse([v, tFull]), fs = fuse([v, tScaled]);
    unscaled += argmaxLabel(fu.probs) === label ? 1 : 0;
    scaled += argmaxLabel(fs.probs) === label ? 1 : 0;
    shippedAgrees += argmaxLabel(fs.probs) === p.label ? 1 : 0;
    weights.push(fs.weights.text ?? 0);
    weightsUnscaled.push(fu.weights.text ?? 0);
  }
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / Math.max(1, a.length);
  const result = {
    command: `nice deno run -A training/asr/fusion_effect.ts --step ${step}`,
    n,
    itemsWithAsrText: withText,
    accuracyVoiceOnly: r3(voiceOnly / n),
    accuracyVoicePlusAsrTextCoverage1: r3(unscaled / n),
    accuracyVoicePlusAsrTextCoverageScaled: r3(scaled / n),
    meanTextWeightCoverage1: r3(mean(weightsUnscaled)),
    meanTextWeightScaled: r3(mean(weights)),
    recomputedMatchesShipped: r3(shippedAgrees / Math.max(1, withText)),
    note: "voice model in-sample on these actors; text content neutral (RAVDESS statements)",
  };
  const path = `${ROOT}docs/asr_results.json`;
  const doc = JSON.parse(await Deno.readTextFile(path));
  doc.fusionEffect = result;
  await Deno.writeTextFile(path, JSON.stringify(doc, null, 2) + "\n");
  console.log(JSON.stringify(result, null, 2));
  await Deno.remove(dir, { recursive: true });
}
