import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EmotionLexicon, vaderSentiment } from "./lexicon_baseline.ts";

describe("EmotionLexicon", () => {
  const examples = [
    ...Array.from({ length: 6 }, () => ({ text: "i love this great day", label: 1 })),
    ...Array.from({ length: 6 }, () => ({ text: "i hate this awful day", label: 3 })),
    ...Array.from({ length: 9 }, () => ({ text: "the meeting is at noon", label: 0 })),
  ];
  const lex = EmotionLexicon.induce(examples, 7, { minCount: 3 });
  it("associates words with the class they occur in", () => {
    assert.equal(lex.classify("what a great love"), 1);
    assert.equal(lex.classify("awful, i hate it"), 3);
  });
  it("falls back to the majority class when no lexicon word occurs", () => {
    assert.equal(lex.classify("zebra"), 0);
  });
});

describe("vaderSentiment", () => {
  it("thresholds VADER's compound score at ±0.05", () => {
    assert.equal(vaderSentiment("I love it, wonderful!"), 2);
    assert.equal(vaderSentiment("This is terrible and I hate it."), 0);
    assert.equal(vaderSentiment("The train leaves at five."), 1);
  });
});
