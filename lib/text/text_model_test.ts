/**
 * Parity of the shipped ONNX model in Deno with PyTorch, on windows the TypeScript tokenizer produced
 * (testdata/text_parity.json is written by training/text/train.py from the training cache).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { encodeWindow, type Turn } from "./context_window.ts";
import { type TextLogits, TextModel } from "./text_model.ts";
import { TextModelError } from "./errors.ts";

const MODELS = fileURLToPath(new URL("../../models", import.meta.url));
const FIXTURE = fileURLToPath(new URL("./testdata/text_parity.json", import.meta.url));

interface ParityWindow {
  history: Turn[];
  current: Turn;
  turns: number[][];
  same: number[];
  logits: number[];
  sentiment_logits: number[];
  emorynlp_logits: number[];
  emocontext_logits: number[];
}

function assertClose(actual: number[], expected: number[], tol: number, what: string) {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

function assertSame(out: TextLogits, w: ParityWindow, tol: number) {
  assertClose(out.logits, w.logits, tol, "logits");
  assertClose(out.sentimentLogits, w.sentiment_logits, tol, "sentiment_logits");
  assertClose(out.emorynlpLogits, w.emorynlp_logits, tol, "emorynlp_logits");
  assertClose(out.emocontextLogits, w.emocontext_logits, tol, "emocontext_logits");
}

describe("TextModel", () => {
  let model: TextModel;
  let fixture: { tolerance: number; windows: ParityWindow[] };
  before(async () => {
    model = await TextModel.load(MODELS);
    fixture = JSON.parse(await Deno.readTextFile(FIXTURE));
  });
  after(() => model.release());

  it("is named from its card and reads its temperatures and context length there", () => {
    assert.equal(model.name, `${model.card.name}@${model.card.version}`);
    assert.ok(model.temperature > 0 && model.sentimentTemperature > 0);
    assert.equal(model.contextTurns + 1, fixture.windows[0].turns.length);
  });

  it("tokenises the parity windows exactly as the training cache did", () => {
    for (const w of fixture.windows) {
      const enc = encodeWindow(model.tokenizer, w.history, w.current, model.contextTurns);
      assert.deepEqual(enc.turns, w.turns);
      assert.deepEqual(enc.sameSpeaker, w.same);
    }
  });

  it("matches PyTorch within 1e-4 one window at a time", async () => {
    assert.ok(fixture.windows.length >= 8);
    for (const w of fixture.windows) {
      const [out] = await model.run([{ turns: w.turns, sameSpeaker: w.same }]);
      assertSame(out, w, fixture.tolerance);
    }
  });

  it("gives the same logits when windows of different lengths are padded into one batch", async () => {
    const outs = await model.run(fixture.windows.map((w) => ({ turns: w.turns, sameSpeaker: w.same })));
    outs.forEach((o, i) => assertSame(o, fixture.windows[i], fixture.tolerance));
  });

  it("rejects a window with the wrong number of turns", async () => {
    await assert.rejects(model.infer({ turns: [[5]], sameSpeaker: [1] }), RangeError);
  });

  it("fails loudly when the model files are missing", async () => {
    await assert.rejects(TextModel.load("/nonexistent-models-dir"), TextModelError);
  });
});
