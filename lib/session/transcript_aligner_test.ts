import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { alignSegment } from "./transcript_aligner.ts";

const u1 = { id: "a", startMs: 0, endMs: 2000 };
const u2 = { id: "b", startMs: 2600, endMs: 5000 };

describe("alignSegment", () => {
  it("attaches a segment to the one utterance it overlaps", () => {
    const pieces = alignSegment({ text: "hello there", startMs: 100, endMs: 1800 }, [u1, u2], 6000);
    assert.deepEqual(pieces.map((p) => [p.utterance.id, p.text]), [["a", "hello there"]]);
  });

  it("splits a straddling segment by word timings", () => {
    const words = [
      { text: "I", startMs: 1500, endMs: 1600 },
      { text: "know", startMs: 1600, endMs: 1900 },
      { text: "really", startMs: 2700, endMs: 3000 },
      { text: "well", startMs: 3000, endMs: 3300 },
    ];
    const pieces = alignSegment({ text: "I know really well", startMs: 1500, endMs: 3300, words }, [u1, u2], 6000);
    assert.deepEqual(pieces.map((p) => [p.utterance.id, p.text]), [["a", "I know"], ["b", "really well"]]);
  });

  it("gives a straddling segment without words to the utterance it overlaps most", () => {
    const pieces = alignSegment({ text: "mostly second", startMs: 1900, endMs: 4000 }, [u1, u2], 6000);
    assert.deepEqual(pieces.map((p) => p.utterance.id), ["b"]);
  });

  it("returns nothing when no utterance overlaps", () => {
    assert.deepEqual(alignSegment({ text: "x", startMs: 2100, endMs: 2500 }, [u1, u2], 6000), []);
  });

  it("treats an open utterance as reaching the current media time", () => {
    const open = { id: "c", startMs: 5500 };
    const pieces = alignSegment({ text: "ongoing", startMs: 5600, endMs: 5900 }, [u1, u2, open], 6000);
    assert.deepEqual(pieces.map((p) => p.utterance.id), ["c"]);
  });
});
