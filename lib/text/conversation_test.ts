import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { EMOTIONS } from "../emotion/labels.ts";
import { Conversation } from "./conversation.ts";
import type { Turn } from "./context_window.ts";
import { TextModel } from "./text_model.ts";
import type { ModalityEstimate } from "../modality/estimate.ts";

const MODELS = fileURLToPath(new URL("../../models", import.meta.url));
const FIXTURE = fileURLToPath(new URL("./testdata/text_parity.json", import.meta.url));

describe("Conversation", () => {
  let model: TextModel;
  before(async () => {
    model = await TextModel.load(MODELS, { scheduler: { maxWaitMs: 1 } });
  });
  after(() => model.release());

  it("returns null for text without tokens", async () => {
    const conv = new Conversation(model);
    assert.equal(await conv.estimate({ speaker: "a", text: "" }), null);
    assert.equal(await conv.estimate({ speaker: "a", text: "  \n\u200b " }), null);
  });

  it("returns a calibrated text estimate with sentiment and full coverage", async () => {
    const est = await new Conversation(model).estimate({ speaker: "a", text: "I can't believe you did this to me!" });
    assert.ok(est);
    assert.equal(est.modality, "text");
    assert.equal(est.probs.length, EMOTIONS.length);
    assert.ok(Math.abs(est.probs.reduce((a, b) => a + b, 0) - 1) < 1e-6);
    assert.equal(est.confidence, Math.max(...est.probs));
    assert.ok(est.uncertainty >= 0 && est.uncertainty <= 1);
    assert.equal(est.coverage, 1);
    assert.equal(est.model, model.name);
    const s = est.sentiment!;
    assert.ok(Math.abs(s.negative + s.neutral + s.positive - 1) < 1e-6);
  });

  it("reads the committed turns as context: the same words after different turns differ", async () => {
    const happy = new Conversation(model);
    happy.commit({ speaker: "b", text: "We won the lottery! We're rich!" });
    const sad = new Conversation(model);
    sad.commit({ speaker: "b", text: "Grandma died last night." });
    const turn = { speaker: "a", text: "Oh my god." };
    const [x, y] = [await happy.estimate(turn), await sad.estimate(turn)];
    assert.notDeepEqual(x!.probs, y!.probs);
  });

  it("reproduces the PyTorch logits of the parity windows after committing their history", async () => {
    const fixture = JSON.parse(await Deno.readTextFile(FIXTURE));
    for (const w of fixture.windows as { history: Turn[]; current: Turn; logits: number[] }[]) {
      const conv = new Conversation(model);
      for (const t of w.history) conv.commit(t);
      const est = await conv.estimate(w.current);
      const expected = model.toEstimate({
        logits: w.logits,
        sentimentLogits: [0, 0, 0],
        emorynlpLogits: [],
        emocontextLogits: [],
      }).probs;
      est!.probs.forEach((p, i) => assert.ok(Math.abs(p - expected[i]) < 1e-4, `${p} vs ${expected[i]}`));
    }
  });

  it("keeps at most maxContextTurns committed turns and skips empty ones", () => {
    const conv = new Conversation(model, { maxContextTurns: 2 });
    for (let i = 0; i < 5; i++) conv.commit({ speaker: "a", text: `turn ${i}` });
    conv.commit({ speaker: "a", text: "   " });
    assert.equal(conv.contextLength, 2);
    conv.reset();
    assert.equal(conv.contextLength, 0);
  });

  it("batches concurrent estimates without changing them", async () => {
    const texts = ["Thank you so much!", "Get out of my apartment.", "Is it raining?", "Ew, that's gross."];
    const sequential: (ModalityEstimate | null)[] = [];
    for (const text of texts) sequential.push(await new Conversation(model).estimate({ speaker: "a", text }));
    const concurrent = await Promise.all(texts.map((text) => new Conversation(model).estimate({ speaker: "a", text })));
    concurrent.forEach((c, i) => c!.probs.forEach((p, j) => assert.ok(Math.abs(p - sequential[i]!.probs[j]) < 1e-5)));
  });

  it("validates maxContextTurns against the model's context", () => {
    assert.throws(() => new Conversation(model, { maxContextTurns: model.contextTurns + 1 }), RangeError);
    assert.throws(() => new Conversation(model, { maxContextTurns: -1 }), RangeError);
  });
});
