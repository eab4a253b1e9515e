/**
 * The model's view of one utterance: the current turn with up to `contextTurns` previous turns,
 * oldest first, current last, left-padded with empty turns so every window has the same number of
 * turns and windows of different participants batch together. Speakers enter as one flag per turn,
 * "same speaker as the current turn", which is what a bounded context can use without knowing who
 * anyone is (as in DialogueRNN's party-aware states, Majumder et al. 2019).
 *
 * Training builds its windows with {@linkcode windowSlots} too, so Python sees exactly the windows
 * that inference builds.
 */
import type { TextTokenizer } from "./tokenizer.ts";

/** One turn of a conversation. */
export interface Turn {
  /** Who spoke; compared only for equality with the current turn's speaker. */
  speaker: string;
  /** What was said (a final transcript segment or an utterance's text). */
  text: string;
}

/** A tokenised window: `turns.length` is contextTurns + 1. */
export interface EncodedWindow {
  /** Token ids per turn, oldest first, current last; an empty array is a padding turn. */
  turns: number[][];
  /** 1 where the turn's speaker is the current speaker (the current turn included), else 0. */
  sameSpeaker: number[];
}

/**
 * Which positions of a turn sequence fill the window of turn `index`: `contextTurns + 1` slots,
 * oldest first, -1 for a padding slot.
 */
export function windowSlots(index: number, contextTurns: number): number[] {
  const slots: number[] = [];
  for (let k = contextTurns; k >= 0; k--) slots.push(index - k >= 0 ? index - k : -1);
  return slots;
}

/** A turn already tokenised. */
export interface TokenizedTurn {
  speaker: string;
  ids: number[];
}

/**
 * The window of `current` after `history` (previous tokenised turns, oldest first; turns without
 * tokens should not be in it): its last `contextTurns` turns, left-padded.
 */
export function buildWindow(
  history: readonly TokenizedTurn[],
  current: TokenizedTurn,
  contextTurns: number,
): EncodedWindow {
  const all = [...history.slice(Math.max(0, history.length - contextTurns)), current];
  const slots = windowSlots(all.length - 1, contextTurns);
  return {
    turns: slots.map((s) => (s < 0 ? [] : all[s].ids)),
    sameSpeaker: slots.map((s) => (s >= 0 && all[s].speaker === current.speaker ? 1 : 0)),
  };
}

/** Tokenises `current` and `history` (turns whose text has no tokens are skipped) and builds the window. */
export function encodeWindow(
  tokenizer: TextTokenizer,
  history: readonly Turn[],
  current: Turn,
  contextTurns: number,
): EncodedWindow {
  const tokenized = history.map((t) => ({ speaker: t.speaker, ids: tokenizer.encode(t.text) }))
    .filter((t) => t.ids.length > 0);
  return buildWindow(tokenized, { speaker: current.speaker, ids: tokenizer.encode(current.text) }, contextTurns);
}

/** Batch tensors in the model's input layout. */
export interface WindowBatch {
  /** int64 [batch, turns, tokens], row-major, zero-padded. */
  inputIds: BigInt64Array;
  /** float32 [batch, turns]. */
  sameSpeaker: Float32Array;
  /** [batch, turns, tokens]; tokens is the longest turn in the batch (at least 1). */
  dims: [number, number, number];
}

/** Packs windows of equal turn count into the model's input tensors. */
export function packWindows(windows: readonly EncodedWindow[]): WindowBatch {
  if (windows.length === 0) throw new RangeError("packWindows needs at least one window");
  const turns = windows[0].turns.length;
  let tokens = 1;
  for (const w of windows) {
    if (w.turns.length !== turns) throw new RangeError("windows differ in turn count");
    for (const t of w.turns) tokens = Math.max(tokens, t.length);
  }
  const inputIds = new BigInt64Array(windows.length * turns * tokens);
  const sameSpeaker = new Float32Array(windows.length * turns);
  windows.forEach((w, b) => {
    w.turns.forEach((ids, k) => {
      const base = (b * turns + k) * tokens;
      for (let j = 0; j < ids.length; j++) inputIds[base + j] = BigInt(ids[j]);
      sameSpeaker[b * turns + k] = w.sameSpeaker[k];
    });
  });
  return { inputIds, sameSpeaker, dims: [windows.length, turns, tokens] };
}
