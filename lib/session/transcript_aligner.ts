/**
 * Attaches final transcript segments to the utterances they overlap. A segment that straddles
 * two utterances is split by its word timings when it has them (each word goes to the utterance
 * holding its midpoint), otherwise it goes whole to the utterance it overlaps most.
 */
import type { TranscriptMessage } from "../protocol/client_messages.ts";

/** An utterance's time span; `endMs` undefined while it is open. */
export interface Span {
  startMs: number;
  endMs?: number;
}

/** Text assigned to one utterance. */
export interface TextPiece<U> {
  utterance: U;
  text: string;
  startMs: number;
  endMs: number;
}

function overlap(a0: number, a1: number, s: Span, openEndMs: number): number {
  return Math.max(0, Math.min(a1, s.endMs ?? openEndMs) - Math.max(a0, s.startMs));
}

/**
 * Splits `segment` over `utterances` (in time order). Returns no pieces when it overlaps none.
 * `openEndMs` stands for the end of an open utterance (the media time reached).
 */
export function alignSegment<U extends Span>(
  segment: Pick<TranscriptMessage, "text" | "startMs" | "endMs" | "words">,
  utterances: readonly U[],
  openEndMs: number,
): TextPiece<U>[] {
  const hits = utterances.filter((u) => overlap(segment.startMs, segment.endMs, u, openEndMs) > 0 ||
    (segment.endMs === segment.startMs && segment.startMs >= u.startMs && segment.startMs < (u.endMs ?? openEndMs)));
  if (hits.length === 0) return [];
  if (hits.length === 1 || !segment.words?.length) {
    const best = hits.reduce((a, b) =>
      overlap(segment.startMs, segment.endMs, b, openEndMs) > overlap(segment.startMs, segment.endMs, a, openEndMs)
        ? b
        : a
    );
    return [{ utterance: best, text: segment.text.trim(), startMs: segment.startMs, endMs: segment.endMs }];
  }
  const byUtterance = new Map<U, { words: string[]; startMs: number; endMs: number }>();
  for (const w of segment.words) {
    const mid = (w.startMs + w.endMs) / 2;
    // The utterance holding the midpoint, else the nearest one.
    let target = hits[0];
    let bestDist = Infinity;
    for (const u of hits) {
      const end = u.endMs ?? openEndMs;
      const d = mid < u.startMs ? u.startMs - mid : mid > end ? mid - end : 0;
      if (d < bestDist) (bestDist = d, target = u);
    }
    const piece = byUtterance.get(target) ?? { words: [], startMs: w.startMs, endMs: w.endMs };
    piece.words.push(w.text);
    piece.endMs = Math.max(piece.endMs, w.endMs);
    byUtterance.set(target, piece);
  }
  return [...byUtterance].map(([utterance, p]) => ({
    utterance,
    text: p.words.join(" ").replace(/\s+([,.!?;:])/g, "$1"),
    startMs: p.startMs,
    endMs: p.endMs,
  }));
}
