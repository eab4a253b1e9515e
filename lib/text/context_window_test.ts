import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { encodeWindow, packWindows, windowSlots } from "./context_window.ts";
import { TextTokenizer } from "./tokenizer.ts";

const tok = new TextTokenizer(["hi", "there", "bye"]);
const id = (w: string) => tok.tokenId(w);

describe("windowSlots", () => {
  it("left-pads the first turns of a dialogue and keeps the last contextTurns otherwise", () => {
    assert.deepEqual(windowSlots(0, 2), [-1, -1, 0]);
    assert.deepEqual(windowSlots(5, 2), [3, 4, 5]);
  });
});

describe("encodeWindow", () => {
  it("puts the current turn last, flags turns by the current speaker and pads with empty turns", () => {
    const w = encodeWindow(tok, [{ speaker: "a", text: "hi" }, { speaker: "b", text: "there" }], {
      speaker: "a",
      text: "bye",
    }, 3);
    assert.deepEqual(w.turns, [[], [id("hi")], [id("there")], [id("bye")]]);
    assert.deepEqual(w.sameSpeaker, [0, 1, 0, 1]);
  });
  it("keeps only the last contextTurns of a long history", () => {
    const history = ["hi", "there", "bye"].map((text) => ({ speaker: "x", text }));
    const w = encodeWindow(tok, history, { speaker: "y", text: "hi" }, 1);
    assert.deepEqual(w.turns, [[id("bye")], [id("hi")]]);
    assert.deepEqual(w.sameSpeaker, [0, 1]);
  });
});

describe("packWindows", () => {
  it("zero-pads every turn to the longest one in the batch", () => {
    const a = encodeWindow(tok, [], { speaker: "a", text: "hi there" }, 1);
    const b = encodeWindow(tok, [{ speaker: "a", text: "bye" }], { speaker: "b", text: "hi" }, 1);
    const batch = packWindows([a, b]);
    assert.deepEqual(batch.dims, [2, 2, 2]);
    assert.deepEqual([...batch.inputIds].map(Number), [0, 0, id("hi"), id("there"), id("bye"), 0, id("hi"), 0]);
    assert.deepEqual([...batch.sameSpeaker], [0, 1, 0, 1]);
  });
  it("rejects windows of different turn counts", () => {
    const a = encodeWindow(tok, [], { speaker: "a", text: "hi" }, 1);
    const b = encodeWindow(tok, [], { speaker: "a", text: "hi" }, 2);
    assert.throws(() => packWindows([a, b]), RangeError);
  });
});
