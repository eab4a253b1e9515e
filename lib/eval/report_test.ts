import assert from "node:assert/strict";
import { buildReport, renderMarkdown } from "./report.ts";

const p = (k: number) => Array.from({ length: 7 }, (_, i) => (i === k ? 0.7 : 0.05));

Deno.test("buildReport scores fused and each modality on the items it answered, skipping unmapped labels", () => {
  const items = [
    { id: "a", label: "joy" },
    { id: "b", label: "neutral" },
    { id: "c", label: "boredom" },
    { id: "d", label: "sad" },
    { id: "e" },
  ];
  const lines = [
    {
      id: "a",
      probs: p(1),
      missing: ["face" as const],
      modalities: {
        voice: { probs: p(1), weight: 0.6, model: "v@1" },
        text: { probs: p(0), weight: 0.4, model: "t@1" },
      },
    },
    {
      id: "b",
      probs: p(0),
      missing: ["face" as const, "text" as const],
      modalities: { voice: { probs: p(0), weight: 1, model: "v@1" } },
    },
    { id: "c", probs: p(0), modalities: {} },
    { id: "d", error: "no modality produced an estimate" },
    { id: "e", probs: p(0), modalities: {} },
  ];
  const r = buildReport("m.jsonl", items, lines);
  assert.equal(r.labelled, 3);
  assert.equal(r.failed, 1);
  assert.deepEqual(r.unmappedLabels, { boredom: 1 });
  assert.equal(r.systems.fused!.n, 2);
  assert.equal(r.systems.fused!.accuracy, 1);
  assert.equal(r.systems.text!.n, 1);
  assert.equal(r.systems.text!.accuracy, 0);
  assert.ok(Math.abs(r.systems.voice!.meanWeight! - 0.8) < 1e-12);
  assert.equal(r.systems.face, undefined);
  assert.deepEqual(r.missing, { voice: 0, face: 2, text: 1 });
  const md = renderMarkdown(r);
  assert.match(md, /\| fused \| 2 \|/);
  assert.match(md, /\| text \| 1 \| 0\.333 \| 0\.000 \|/);
});

Deno.test("buildReport refuses mismatched items and lines", () => {
  assert.throws(() => buildReport("m", [{ id: "a" }], []), RangeError);
});
