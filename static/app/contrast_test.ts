import assert from "node:assert/strict";
import { composite, contrastRatio, effectiveBackground, parseColor } from "./contrast.js";

Deno.test("contrastRatio reproduces the figures of the WCAG audit (issue 15)", () => {
  assert.equal(contrastRatio("#000", "#fff").toFixed(1), "21.0");
  assert.equal(contrastRatio("#d55e00", "#ffffff").toFixed(2), "3.87");
  assert.equal(contrastRatio("#ffffff", "#009e73").toFixed(2), "3.42");
  assert.equal(contrastRatio("#56b4e9", "rgb(255, 255, 255)").toFixed(2), "2.31");
});

Deno.test("parseColor reads computed-style colours and composites alpha over the background", () => {
  assert.deepEqual(parseColor("rgba(0, 0, 0, 0.5)"), [0, 0, 0, 0.5]);
  assert.deepEqual(parseColor("rgb(10 20 30 / 0.25)"), [10, 20, 30, 0.25]);
  assert.equal(parseColor("hsl(0 0% 0%)"), undefined);
  assert.deepEqual(composite([0, 0, 0, 0.5], [255, 255, 255, 1]), [127.5, 127.5, 127.5, 1]);
});

Deno.test("effectiveBackground composites translucent backgrounds up to the first opaque one", () => {
  const styles = new Map<object, string>();
  const root = { parentElement: null };
  const card = { parentElement: root };
  const tint = { parentElement: card };
  styles.set(root, "rgb(0, 0, 0)");
  styles.set(card, "rgb(255, 255, 255)");
  styles.set(tint, "rgba(0, 0, 0, 0.5)");
  const style = (n: object) => ({ backgroundColor: styles.get(n)! });
  assert.deepEqual(effectiveBackground(tint, style as any), [127.5, 127.5, 127.5, 1]);
  styles.set(card, "rgba(0, 0, 0, 0)");
  assert.deepEqual(effectiveBackground(card, style as any), [0, 0, 0, 1]);
});
