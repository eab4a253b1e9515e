import assert from "node:assert/strict";
import { normalizedEntropy } from "../../lib/emotion/affect.ts";
import { UNFITTED_FUSION_PARAMS } from "../../lib/fusion/fusion_params.ts";
import { rng } from "./combinations.ts";
import { type Example, fitReliability, meanNll } from "./fit_reliability.ts";

function peaked(k: number, p: number): number[] {
  return Array.from({ length: 7 }, (_, i) => (i === k ? p : (1 - p) / 6));
}

Deno.test("fitReliability learns to trust an informative modality over a noisy one and lowers the NLL", () => {
  const next = rng(3);
  const examples: Example[] = [];
  for (let i = 0; i < 400; i++) {
    const y = Math.floor(next() * 7);
    const wrong = (y + 1 + Math.floor(next() * 6)) % 7;
    const good = peaked(next() < 0.9 ? y : wrong, 0.6); // right 90 % of the time, underconfident
    const bad = peaked(next() < 0.3 ? y : wrong, 0.6); // right 30 % of the time, overconfident
    examples.push({
      label: y,
      parts: [
        { modality: "text", probs: good, uncertainty: normalizedEntropy(good), coverage: 1 },
        { modality: "voice", probs: bad, uncertainty: normalizedEntropy(bad), coverage: 1 },
      ],
    });
  }
  const start = { ...UNFITTED_FUSION_PARAMS, modalities: structuredClone(UNFITTED_FUSION_PARAMS.modalities) };
  for (const m of ["voice", "face", "text"] as const) start.modalities[m].coverage = 0;
  const fitted = fitReliability(examples, start, { iterations: 300 });
  const w = (m: "text" | "voice") =>
    Math.exp(fitted.modalities[m].bias + fitted.modalities[m].certainty * (1 - normalizedEntropy(peaked(0, 0.6))));
  assert.ok(w("text") > 2 * w("voice"), `text ${w("text")} voice ${w("voice")}`);
  assert.ok(meanNll(examples, fitted) < meanNll(examples, start) - 0.1);
});

Deno.test("fitReliability fits a coverage exponent only where asked, and raises it when low coverage means noise", () => {
  const next = rng(5);
  const examples: Example[] = [];
  for (let i = 0; i < 400; i++) {
    const y = Math.floor(next() * 7);
    const wrong = (y + 1 + Math.floor(next() * 6)) % 7;
    const coverage = next() < 0.5 ? 1 : 0.1;
    // a full-coverage voice is right 90 % of the time, a 10 %-coverage one 20 %
    const voice = peaked(next() < (coverage === 1 ? 0.9 : 0.2) ? y : wrong, 0.7);
    const text = peaked(next() < 0.6 ? y : wrong, 0.5);
    examples.push({
      label: y,
      parts: [
        { modality: "voice", probs: voice, uncertainty: normalizedEntropy(voice), coverage },
        { modality: "text", probs: text, uncertainty: normalizedEntropy(text), coverage },
      ],
    });
  }
  const start = structuredClone(UNFITTED_FUSION_PARAMS);
  for (const m of ["voice", "face", "text"] as const) start.modalities[m].coverage = 0.5;
  const fitted = fitReliability(examples, start, { iterations: 300, fitCoverage: ["voice"] });
  assert.equal(fitted.modalities.text.coverage, 0.5);
  assert.ok(fitted.modalities.voice.coverage > 0.5, `γ voice ${fitted.modalities.voice.coverage}`);
});
