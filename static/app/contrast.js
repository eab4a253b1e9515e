/**
 * WCAG 2.x contrast ratio (https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio): (L1 + 0.05) / (L2 + 0.05)
 * of the relative luminances of the lighter and the darker colour. Used by the browser test on
 * the page's computed styles, and testable in Deno.
 */

/** WCAG AA minimum for body text. */
export const AA_TEXT = 4.5;
/** WCAG AA minimum for large text and for user-interface components such as focus rings. */
export const AA_NON_TEXT = 3;

/**
 * Parses "#rgb", "#rrggbb", "rgb(r, g, b)", "rgba(r, g, b, a)" or "rgb(r g b / a)" into
 * [r, g, b, a] with r, g, b in 0–255 and a in 0–1; undefined when not a colour it knows.
 */
export function parseColor(text) {
  const s = String(text).trim().toLowerCase();
  if (s === "transparent") return [0, 0, 0, 0];
  let m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/.exec(s);
  if (m) {
    const h = m[1].length === 3 ? [...m[1]].map((c) => c + c).join("") : m[1];
    return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)).concat(1);
  }
  m = /^rgba?\(([^)]*)\)$/.exec(s);
  if (!m) return undefined;
  const parts = m[1].split(/[\s,/]+/).filter(Boolean).map(Number.parseFloat);
  if (parts.length < 3 || parts.some((x) => !Number.isFinite(x))) return undefined;
  return [parts[0], parts[1], parts[2], parts[3] ?? 1];
}

/** `top` (with alpha) composited over the opaque `bottom`. */
export function composite(top, bottom) {
  const a = top[3];
  return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat(1);
}

/** Relative luminance of an sRGB colour (WCAG 2.x definition). */
export function relativeLuminance([r, g, b]) {
  const lin = (c) => {
    const x = c / 255;
    return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** Contrast ratio of two colours (strings or [r, g, b, a]); 1 … 21. */
export function contrastRatio(a, b) {
  const ca = typeof a === "string" ? parseColor(a) : a;
  const cb = typeof b === "string" ? parseColor(b) : b;
  if (!ca || !cb) throw new TypeError(`not a colour: ${a} / ${b}`);
  const la = relativeLuminance(ca), lb = relativeLuminance(cb);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/**
 * The opaque colour behind `element`: the background colours from it up to the root, composited
 * over white (the canvas colour). `style` is getComputedStyle (injected, so this runs in Deno too).
 * Background images (gradients) are not read: elements that have them also set a background-color.
 */
export function effectiveBackground(element, style) {
  const layers = [];
  for (let n = element; n; n = n.parentElement) {
    const c = parseColor(style(n).backgroundColor);
    if (c && c[3] > 0) layers.push(c);
    if (c && c[3] === 1) break;
  }
  let bg = [255, 255, 255, 1];
  for (const c of layers.reverse()) bg = composite(c, bg);
  return bg;
}
