/**
 * Word error rate (Levenshtein alignment of words; Morris et al. 2004 define WER as
 * (S + D + I) / N over reference words N) after a normalisation that leaves only lower-case
 * letters, digits and apostrophes.
 */

/** Lower-case words with punctuation removed. */
export function normalizeWords(text: string): string[] {
  return text.toLowerCase().replace(/[^a-z0-9' ]+/g, " ").split(/\s+/).filter(Boolean);
}

/** Edit counts of a hypothesis against a reference, and which hypothesis words were right. */
export interface WerCounts {
  substitutions: number;
  deletions: number;
  insertions: number;
  /** Reference words. */
  n: number;
  /** Per hypothesis word: whether the alignment matched it to an equal reference word. */
  hypCorrect: boolean[];
}

/** Minimum-edit alignment of two word sequences. */
export function alignWords(ref: readonly string[], hyp: readonly string[]): WerCounts {
  const R = ref.length, H = hyp.length;
  const d: number[][] = Array.from({ length: R + 1 }, (_, i) => Array.from({ length: H + 1 }, (_, j) => i + j));
  for (let i = 1; i <= R; i++) {
    for (let j = 1; j <= H; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (ref[i - 1] === hyp[j - 1] ? 0 : 1));
    }
  }
  let i = R, j = H, s = 0, del = 0, ins = 0;
  const hypCorrect = new Array<boolean>(H).fill(false);
  while (i > 0 || j > 0) {
    if (i > 0 && j > 0 && d[i][j] === d[i - 1][j - 1] + (ref[i - 1] === hyp[j - 1] ? 0 : 1)) {
      if (ref[i - 1] === hyp[j - 1]) hypCorrect[j - 1] = true;
      else s++;
      i--, j--;
    } else if (i > 0 && d[i][j] === d[i - 1][j] + 1) {
      del++, i--;
    } else {
      ins++, j--;
    }
  }
  return { substitutions: s, deletions: del, insertions: ins, n: R, hypCorrect };
}

/** WER of one hypothesis text against one reference text. */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const c = alignWords(normalizeWords(reference), normalizeWords(hypothesis));
  return c.n ? (c.substitutions + c.deletions + c.insertions) / c.n : (c.insertions ? 1 : 0);
}
