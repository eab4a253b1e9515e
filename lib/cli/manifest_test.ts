import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { groupByDialogue, parseManifestLine } from "./manifest.ts";

describe("parseManifestLine", () => {
  it("reads the documented fields", () => {
    const it0 = parseManifestLine('{"id":7,"text":"hi","speaker":"A","dialogue":3,"turn":"2","label":"happy"}', 0, "/tmp/m.jsonl");
    assert.deepEqual(
      { ...it0 },
      { id: "7", index: 0, text: "hi", speaker: "A", dialogue: "3", turn: 2, label: "happy" },
    );
  });

  it("turns bad lines into items carrying an error instead of throwing", () => {
    assert.match(parseManifestLine("{", 0, "m").error!, /not valid JSON/);
    assert.match(parseManifestLine('{"text":"x"}', 1, "m").error!, /missing "id"/);
    assert.match(parseManifestLine('{"id":"a"}', 2, "m").error!, /needs "media" or "text"/);
    assert.match(parseManifestLine('{"id":"a","text":"x","turn":"soon"}', 3, "m").error!, /turn/);
    assert.equal(parseManifestLine("[]", 4, "m").id, "line-5");
  });
});

describe("groupByDialogue", () => {
  it("orders each dialogue by turn and keeps lone items alone", () => {
    const items = [
      parseManifestLine('{"id":"b","text":"2","dialogue":"d","turn":2}', 0, "m"),
      parseManifestLine('{"id":"x","text":"solo"}', 1, "m"),
      parseManifestLine('{"id":"a","text":"1","dialogue":"d","turn":1}', 2, "m"),
    ];
    assert.deepEqual(groupByDialogue(items).map((g) => g.map((i) => i.id)), [["a", "b"], ["x"]]);
  });
});
