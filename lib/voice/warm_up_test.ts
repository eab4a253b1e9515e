import assert from "node:assert/strict";
import { DEFAULT_MODELS_DIR } from "../engine/engine.ts";
import { VoiceModel } from "./voice_model.ts";
import { MIN_ROUNDS, warmUpVoice } from "./warm_up.ts";

Deno.test("voice warm-up runs its rounds within its time bound and leaves the model usable", async () => {
  const model = await VoiceModel.load(DEFAULT_MODELS_DIR);
  const t = performance.now();
  const rounds = await warmUpVoice(model, 5000);
  const ms = performance.now() - t;
  assert.ok(rounds >= MIN_ROUNDS || ms >= 5000, `${rounds} rounds in ${ms.toFixed(0)} ms`);
  // A bound shorter than one round still returns after one.
  assert.equal(await warmUpVoice(model, 0.001), 1);
  const logits = await model.infer(new Float32Array(model.featureIndices.length));
  assert.equal(logits.length, 7);
});
