/** DOM building without innerHTML: every text from the network goes through textContent. */

/**
 * Creates an element. `attrs` keys starting with "on" become listeners, `class` the class
 * name, `dataset` an object of data-* values, `style` an object of style properties (set through
 * the CSSOM: the server's CSP, style-src 'self', refuses style attributes); children are nodes or
 * strings.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k === "style") Object.assign(node.style, v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(typeof c === "string" || typeof c === "number" ? String(c) : c);
  }
  return node;
}

/** Replaces a node's children. */
export function setChildren(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
}
