/**
 * Utterance ids, unique within a session across a participant's connections: the first
 * connection numbers `alice-1`, `alice-2`, …; connection n > 1 numbers `alice.c<n>-1`, …
 * (docs/protocol.md, "Utterance ids"). Ids stay within the protocol's id alphabet
 * [A-Za-z0-9_.-]. Face-only windows are numbered apart: `alice-w1`, `alice.c2-w1`.
 */
import { randomSuffix } from "../protocol/ids.ts";

/** Numbers one connection's utterances and face windows. */
export class UtteranceIds {
  readonly prefix: string;
  #utterances = 0;
  #windows = 0;

  /**
   * @param participantId the participant's id
   * @param connection the connection's ordinal within the session (1 for the first); when the
   *   session does not say, a random tag stands in, so ids still never repeat after a rejoin
   */
  constructor(participantId: string, connection?: number) {
    if (connection !== undefined && !(Number.isInteger(connection) && connection >= 1)) {
      throw new RangeError("connection must be an integer ≥ 1");
    }
    this.prefix = connection === 1
      ? participantId
      : `${participantId}.${connection ? `c${connection}` : randomSuffix(4)}`;
  }

  /** The next utterance's id. */
  next(): string {
    return `${this.prefix}-${++this.#utterances}`;
  }

  /** The next face-only window's id. */
  nextWindow(): string {
    return `${this.prefix}-w${++this.#windows}`;
  }
}
