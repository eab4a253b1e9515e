/**
 * One conversation's text state: the committed turns of all participants, in order, bounded to the
 * model's context. `estimate` reads an utterance with that context without changing it; `commit`
 * appends a turn once its text is final, so a corrected transcript can be re-estimated first.
 */
import type { ModalityEstimate } from "../modality/estimate.ts";
import type { Turn } from "./context_window.ts";
import { buildWindow, type TokenizedTurn } from "./context_window.ts";
import type { TextModel } from "./text_model.ts";

/** Options for {@linkcode Conversation}. */
export interface ConversationOptions {
  /**
   * Previous turns the model reads with each utterance, 0 … the model's contextTurns (4 for
   * text_emotion@1). Default: the model's contextTurns. Fewer turns are left-padded, as at a
   * conversation's start.
   */
  maxContextTurns?: number;
}

/** Per-session text context and estimates. */
export class Conversation {
  readonly maxContextTurns: number;
  #history: TokenizedTurn[] = [];

  constructor(readonly model: TextModel, options: ConversationOptions = {}) {
    this.maxContextTurns = options.maxContextTurns ?? model.contextTurns;
    if (
      !Number.isInteger(this.maxContextTurns) || this.maxContextTurns < 0 || this.maxContextTurns > model.contextTurns
    ) {
      throw new RangeError(`maxContextTurns must be an integer in [0, ${model.contextTurns}]`);
    }
  }

  /** Committed turns currently kept as context (oldest first). */
  get contextLength(): number {
    return this.#history.length;
  }

  /**
   * Emotion and sentiment of `turn` read after the committed context; null when the text has no
   * tokens (empty, whitespace, or nothing the tokenizer keeps).
   */
  async estimate(turn: Turn): Promise<ModalityEstimate | null> {
    const ids = this.model.tokenizer.encode(turn.text);
    if (ids.length === 0) return null;
    const window = buildWindow(this.#history, { speaker: turn.speaker, ids }, this.model.contextTurns);
    return this.model.toEstimate(await this.model.infer(window));
  }

  /** Appends a turn to the context (ignored when it has no tokens), dropping the oldest past the bound. */
  commit(turn: Turn): void {
    const ids = this.model.tokenizer.encode(turn.text);
    if (ids.length === 0) return;
    this.#history.push({ speaker: turn.speaker, ids });
    if (this.#history.length > this.maxContextTurns) {
      this.#history.splice(0, this.#history.length - this.maxContextTurns);
    }
  }

  /** Forgets the context. */
  reset(): void {
    this.#history = [];
  }
}
