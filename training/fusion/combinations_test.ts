import assert from "node:assert/strict";
import { buildCombinations, halfOf } from "./combinations.ts";
import type { HeadSample } from "./head_predictions.ts";

function samples(prefix: string, n: number, groups: number): HeadSample[] {
  return Array.from(
    { length: n },
    (_, i) => ({ id: `${prefix}${i}`, label: i % 7, logits: [], group: `${prefix}g${i % groups}` }),
  );
}

Deno.test("buildCombinations pairs samples of the same class and never mixes halves of a group", () => {
  const heads = { voice: samples("v", 140, 10), face: samples("f", 1400, 1400), text: samples("t", 70, 20) };
  const combos = buildCombinations(heads, { perClass: 50, seed: 1 });
  assert.ok(combos.length > 0);
  for (const c of combos) {
    for (const m of ["voice", "face", "text"] as const) {
      const s = heads[m][c.index[m]];
      assert.equal(s.label, c.label);
      assert.equal(halfOf(s.group), c.half);
    }
  }
  // at most perClass per class and half
  const counts = new Map<string, number>();
  for (const c of combos) counts.set(`${c.half}/${c.label}`, (counts.get(`${c.half}/${c.label}`) ?? 0) + 1);
  for (const n of counts.values()) assert.ok(n <= 50);
  // the largest pool decides the count: face has ≥ 50 per class and half here
  assert.ok([...counts.values()].every((n) => n === 50));
});

Deno.test("halfOf is stable and splits groups roughly evenly", () => {
  assert.equal(halfOf("Actor_01"), halfOf("Actor_01"));
  const ones = Array.from({ length: 1000 }, (_, i) => halfOf(`g${i}`)).filter((h) => h === 1).length;
  assert.ok(ones > 400 && ones < 600, `${ones}`);
});
