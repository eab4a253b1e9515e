/**
 * Known words of the shared English speech, from file names: RAVDESS statements (field SS:
 * 01 "Kids are talking by the door", 02 "Dogs are sitting by the door"; Livingstone & Russo 2018)
 * and GRID sentences (Cooke et al. 2006: six words command colour preposition letter digit
 * adverb, encoded by the first letter of each word except the digit (z = zero), e.g. bbaf2n =
 * "bin blue at f two now"; the letter is spoken as its name, written here as the letter).
 */

const RAVDESS_STATEMENTS: Record<string, string> = {
  "01": "kids are talking by the door",
  "02": "dogs are sitting by the door",
};

/** Transcript of a RAVDESS file name (MM-VV-EE-II-SS-RR-AA.ext), or undefined. */
export function ravdessTranscript(fileName: string): string | undefined {
  const m = /(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)\.\w+$/.exec(fileName);
  return m ? RAVDESS_STATEMENTS[m[5]] : undefined;
}

/** GRID grammar (Cooke et al. 2006, Table 1). */
const GRID = {
  command: { b: "bin", l: "lay", p: "place", s: "set" },
  colour: { b: "blue", g: "green", r: "red", w: "white" },
  preposition: { a: "at", b: "by", i: "in", w: "with" },
  digit: ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"],
  adverb: { a: "again", n: "now", p: "please", s: "soon" },
} as const;

/**
 * Transcript of a GRID utterance code (six characters, e.g. "bbaf2n", taken from the end of the
 * file name's stem), or undefined. The letter is written as the letter itself.
 */
export function gridTranscript(fileName: string): string | undefined {
  const stem = fileName.replace(/^.*\//, "").replace(/\.\w+$/, "");
  const m = /([blps])([bgrw])([abiw])([a-z])([0-9z])([anps])$/.exec(stem);
  if (!m) return undefined;
  const g = GRID as unknown as Record<string, Record<string, string>>;
  return [
    g.command[m[1]],
    g.colour[m[2]],
    g.preposition[m[3]],
    m[4],
    GRID.digit[m[5] === "z" ? 0 : Number(m[5])],
    g.adverb[m[6]],
  ]
    .join(" ");
}

/** Letter names as pocketsphinx's dictionary spells them, for scoring GRID letters. */
export const LETTER_WORDS: Record<string, string[]> = {
  a: ["a"],
  b: ["b", "be", "bee"],
  c: ["c", "see", "sea"],
  d: ["d"],
  e: ["e"],
  f: ["f"],
  g: ["g", "gee"],
  h: ["h"],
  i: ["i", "eye"],
  j: ["j", "jay"],
  k: ["k", "kay"],
  l: ["l", "el"],
  m: ["m", "em"],
  n: ["n", "en"],
  o: ["o", "oh"],
  p: ["p", "pee"],
  q: ["q", "queue", "cue"],
  r: ["r", "are"],
  s: ["s", "ess"],
  t: ["t", "tea", "tee"],
  u: ["u", "you"],
  v: ["v"],
  x: ["x", "ex"],
  y: ["y", "why"],
  z: ["z", "zee"],
};
