/**
 * The one tokenizer of the text model, used both to build the training data (token ids are made
 * here, never in Python) and at inference. Words come from a fixed vocabulary built from the training
 * splits; a word outside it is hashed into one of {@linkcode OOV_BUCKETS} shared buckets (the
 * "hashing trick", Weinberger et al. 2009), so unseen words still land somewhere stable.
 *
 * Id layout: 0 = padding, 1 … OOV_BUCKETS = hashed out-of-vocabulary buckets, then the vocabulary
 * in file order.
 */
import { TextModelError } from "./errors.ts";

/** Number of hash buckets for out-of-vocabulary words. */
export const OOV_BUCKETS = 1024;

/** Id of padding. */
export const PAD_ID = 0;

/** Options for {@linkcode TextTokenizer}. */
export interface TextTokenizerOptions {
  /** Most tokens kept per turn (the first ones). Default 48. */
  maxTokens?: number;
}

/** Options for {@linkcode TextTokenizer.build}. */
export interface VocabularyBuildOptions extends TextTokenizerOptions {
  /** A word enters the vocabulary when it occurs at least this often. Default 2. */
  minCount?: number;
  /** Largest vocabulary, most frequent words first. Default 30000. */
  maxWords?: number;
}

const ELONGATION = /(\p{L})\1{2,}/gu; // "soooo" → "soo"
const TOKEN = new RegExp(
  [
    String.raw`[:;=8x][\-o^']?[)(\]\[dpo3/\\|*]+(?![\p{L}\p{N}])`, // emoticons, lower-cased: ":)", ":-(", "xd"
    String.raw`<3`,
    String.raw`[\p{L}\p{M}\p{N}]+(?:'[\p{L}]+)*`, // words, with contractions kept whole
    String.raw`[!?]+`,
    String.raw`\.{2,}`,
    String.raw`\p{Extended_Pictographic}`,
    String.raw`[^\s\p{L}\p{M}\p{N}]`, // any other single symbol
  ].join("|"),
  "gu",
);

/** Canonical form of raw text: NFKC, lower case, straight quotes, no invisible characters. */
export function normalizeText(text: string): string {
  return text.normalize("NFKC").toLowerCase()
    .replace(/[\u2018\u2019\u0060\u00b4]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/\u2026/g, "...")
    .replace(/[\u200b-\u200d\ufe0e\ufe0f\u00ad]/g, "")
    .replace(/\p{Cc}/gu, " ");
}

/** Splits text into normalised token strings (before vocabulary lookup). */
export function splitTokens(text: string): string[] {
  const out: string[] = [];
  for (const m of normalizeText(text).matchAll(TOKEN)) {
    let t = m[0];
    if (/^[!?]+$/.test(t)) t = t.includes("!") && t.includes("?") ? "?!" : t.length > 1 ? t[0] + t[0] : t;
    else if (/^\.{2,}$/.test(t)) t = "...";
    else if (/^\p{N}+$/u.test(t)) t = t.length === 1 ? t : "<num>";
    else t = t.replace(ELONGATION, "$1$1");
    // A run of one repeated emoji or symbol says little more after the second copy.
    if (out.length >= 2 && out.at(-1) === t && out.at(-2) === t && !/\p{L}/u.test(t)) continue;
    out.push(t);
  }
  return out;
}

/** 32-bit FNV-1a hash of a string's UTF-16 code units. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Maps text to token ids with a fixed vocabulary. */
export class TextTokenizer {
  readonly maxTokens: number;
  readonly words: readonly string[];
  readonly #ids = new Map<string, number>();

  constructor(words: readonly string[], options: TextTokenizerOptions = {}) {
    this.maxTokens = options.maxTokens ?? 48;
    if (!Number.isInteger(this.maxTokens) || this.maxTokens < 1) {
      throw new RangeError("maxTokens must be an integer ≥ 1");
    }
    this.words = words;
    words.forEach((w, i) => {
      if (this.#ids.has(w)) throw new TextModelError(`duplicate vocabulary entry "${w}"`);
      this.#ids.set(w, 1 + OOV_BUCKETS + i);
    });
  }

  /** Total number of ids, padding and buckets included (the embedding table's row count). */
  get size(): number {
    return 1 + OOV_BUCKETS + this.words.length;
  }

  /** Builds a vocabulary from training texts: words seen at least `minCount` times, most frequent first. */
  static build(texts: Iterable<string>, options: VocabularyBuildOptions = {}): TextTokenizer {
    const minCount = options.minCount ?? 2;
    const maxWords = options.maxWords ?? 30000;
    const counts = new Map<string, number>();
    for (const text of texts) for (const t of splitTokens(text)) counts.set(t, (counts.get(t) ?? 0) + 1);
    const words = [...counts.entries()].filter(([, n]) => n >= minCount)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, maxWords).map(([w]) => w);
    return new TextTokenizer(words, options);
  }

  /** Loads a vocabulary file (one token per line, in id order). */
  static async load(path: string, options: TextTokenizerOptions = {}): Promise<TextTokenizer> {
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (err) {
      throw new TextModelError(`cannot read vocabulary ${path}: ${(err as Error).message}`, { cause: err });
    }
    return new TextTokenizer(text.split("\n").filter((w) => w.length > 0), options);
  }

  /** Serialises the vocabulary in the format {@linkcode TextTokenizer.load} reads. */
  serialize(): string {
    return this.words.join("\n") + "\n";
  }

  /** Id of one token string. */
  tokenId(token: string): number {
    return this.#ids.get(token) ?? 1 + (fnv1a(token) % OOV_BUCKETS);
  }

  /** Token ids of a text, at most `maxTokens`; empty when the text has no tokens. */
  encode(text: string): number[] {
    return splitTokens(text).slice(0, this.maxTokens).map((t) => this.tokenId(t));
  }
}
