import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fnv1a, OOV_BUCKETS, splitTokens, TextTokenizer } from "./tokenizer.ts";

describe("splitTokens", () => {
  it("lower-cases, keeps contractions whole and straightens curly apostrophes", () => {
    assert.deepEqual(splitTokens("I’m NOT going, Ross!"), ["i'm", "not", "going", ",", "ross", "!"]);
  });
  it("shortens elongations and punctuation runs and keeps emoji and emoticons", () => {
    assert.deepEqual(splitTokens("sooooo happy!!!!! 😂😂😂😂 :) ...?!"), [
      "soo",
      "happy",
      "!!",
      "😂",
      "😂",
      ":)",
      "...",
      "?!",
    ]);
  });
  it("maps multi-digit numbers to one token and yields nothing for blank text", () => {
    assert.deepEqual(splitTokens("pay 250 now, 5 left"), ["pay", "<num>", "now", ",", "5", "left"]);
    assert.deepEqual(splitTokens("  \n\t "), []);
  });
});

describe("TextTokenizer", () => {
  const tok = TextTokenizer.build(["the cat sat", "the dog sat", "a cat"], { minCount: 2, maxTokens: 3 });
  it("keeps words seen minCount times, most frequent first, after padding and hash buckets", () => {
    assert.deepEqual(tok.words, ["cat", "sat", "the"]);
    assert.equal(tok.size, 1 + OOV_BUCKETS + 3);
    assert.equal(tok.tokenId("cat"), 1 + OOV_BUCKETS);
  });
  it("hashes unknown words into a stable bucket and truncates to maxTokens", () => {
    assert.equal(tok.tokenId("zebra"), 1 + (fnv1a("zebra") % OOV_BUCKETS));
    assert.deepEqual(tok.encode("The zebra sat on the cat"), [1 + OOV_BUCKETS + 2, tok.tokenId("zebra"), 1026]);
  });
  it("round-trips through its serialised vocabulary", async () => {
    const path = await Deno.makeTempFile();
    await Deno.writeTextFile(path, tok.serialize());
    const loaded = await TextTokenizer.load(path, { maxTokens: 3 });
    assert.deepEqual(loaded.encode("the dog sat"), tok.encode("the dog sat"));
    await Deno.remove(path);
  });
  it("rejects a bad maxTokens", () => {
    assert.throws(() => new TextTokenizer([], { maxTokens: 0 }), RangeError);
  });
});

describe("fnv1a", () => {
  it("matches the reference FNV-1a 32-bit values", () => {
    assert.equal(fnv1a(""), 0x811c9dc5);
    assert.equal(fnv1a("a"), 0xe40c292c);
  });
});
