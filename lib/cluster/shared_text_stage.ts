/**
 * A session's text stage whose conversation context lives in the Store, so participants of one
 * session connected to different instances read each other's turns. Before each estimate the
 * recent turns are read from the store into the local Conversation; each commit goes to the
 * store as well as to the local context. When the store fails, the local context (the turns last
 * read plus this instance's own commits) is used and the error is reported, never thrown.
 */
import type { TextStage, Turn } from "../engine/stages.ts";
import type { ModalityEstimate } from "../modality/estimate.ts";
import type { Store } from "../store/store.ts";

/** The local conversation the stage refills (lib/text/conversation.ts's Conversation has this shape). */
export interface RefillableConversation extends TextStage {
  readonly maxContextTurns: number;
  reset(): void;
}

/** Options for {@linkcode SharedTextStage}. */
export interface SharedTextStageOptions {
  /** Turns kept in the store per session. Default 32 (the model reads at most its contextTurns). */
  keepTurns?: number;
  /** Called when a store call fails (the stage then works on its local context). */
  onError?: (err: unknown) => void;
}

/** Per-session, store-backed conversation context; `forParticipant` binds who commits. */
export class SharedTextStage {
  readonly keepTurns: number;
  /** This instance's turn writes not yet acknowledged; estimates wait for them so their own turns are seen. */
  #pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly local: RefillableConversation,
    private readonly store: Store,
    readonly sessionId: string,
    private readonly options: SharedTextStageOptions = {},
  ) {
    this.keepTurns = options.keepTurns ?? 32;
    if (!Number.isInteger(this.keepTurns) || this.keepTurns < 1) {
      throw new RangeError("keepTurns must be an integer ≥ 1");
    }
  }

  /** The TextStage one participant uses: its commits are recorded under its participant id (for erasure). */
  forParticipant(participantId: string): TextStage {
    return {
      estimate: (turn) => this.estimate(turn),
      commit: (turn) => this.commit(participantId, turn),
    };
  }

  /** Estimate of `turn` read after the session's latest turns from the store. */
  async estimate(turn: Turn): Promise<ModalityEstimate | null> {
    const n = this.local.maxContextTurns;
    if (n > 0) {
      try {
        await this.#pending;
        const turns = await this.store.recentTurns(this.sessionId, n);
        // Refill and estimate in one synchronous run: the window is built before the first await
        // inside estimate, so concurrent estimates of other participants cannot interleave.
        this.local.reset();
        for (const t of turns) this.local.commit({ speaker: t.speaker, text: t.text });
      } catch (err) {
        this.options.onError?.(err);
      }
    }
    return this.local.estimate(turn);
  }

  /** Commits `turn` locally and to the store. */
  commit(participantId: string, turn: Turn): void {
    this.local.commit(turn);
    const record = { participantId, speaker: turn.speaker, text: turn.text, wallMs: Date.now() };
    this.#pending = this.#pending
      .then(() => this.store.appendTurn(this.sessionId, record, this.keepTurns))
      .catch((err) => this.options.onError?.(err));
  }
}
