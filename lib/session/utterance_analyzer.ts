/**
 * Per-utterance analysis for one participant: asks the modality stages for estimates, waits a
 * bounded time for transcript text, fuses, and publishes `emotion.partial`, `emotion` and
 * `emotion.update`. Keeps a bounded list of recent utterances so late text still finds its own.
 */
import type { FaceStage, TextStage, VoiceStage } from "../engine/stages.ts";
import type { FusionOptions } from "../fusion/fuse.ts";
import { summarizeEmotion } from "../fusion/emotion_summary.ts";
import type { ModalityEstimate } from "../modality/estimate.ts";
import { ShiftTracker, type ShiftTrackerOptions } from "../shift/shift_tracker.ts";
import type { EmotionFields, EventBody, SessionEvent } from "../protocol/events.ts";

/** What the analyzer remembers of one utterance. */
export interface UtteranceRecord {
  id: string;
  startMs: number;
  endMs?: number;
  texts: string[];
  interimText?: string;
  /** A final segment reached the utterance's end: no more text is awaited. */
  textComplete: boolean;
  voice?: ModalityEstimate | null;
  face?: ModalityEstimate | null;
  /** seq of the last `emotion` or `emotion.update` published for it. */
  emotionSeq?: number;
  /** True once the final estimate is being or has been computed. */
  finalizing: boolean;
  /** True once the utterance's text entered the conversation context. */
  textCommitted?: boolean;
  textWaiter?: () => void;
}

/** Dependencies of {@linkcode UtteranceAnalyzer}. */
export interface UtteranceAnalyzerContext {
  participantId: string;
  speaker: () => string;
  text?: TextStage;
  publish: (body: EventBody) => SessionEvent;
  textWaitMs: number;
  maxUtterances: number;
  fusion?: FusionOptions;
  shift?: ShiftTrackerOptions;
  onError: (err: unknown, code: "model_error") => void;
}

/** A final segment ending this close to the utterance's end completes its text, in ms. */
const TEXT_COMPLETE_SLACK_MS = 300;

/** Analysis and publication of one participant's utterances. */
export class UtteranceAnalyzer {
  #recent: UtteranceRecord[] = [];
  #expectText = false;
  #stopWaiting = false;
  readonly #shifts: ShiftTracker;

  constructor(private readonly ctx: UtteranceAnalyzerContext) {
    this.#shifts = new ShiftTracker(ctx.shift);
  }

  /** The participant sends transcripts: final estimates wait for text from now on. */
  expectText(): void {
    this.#expectText = true;
  }

  /** No more text can come (the stream ended): release every wait. */
  stopWaitingForText(): void {
    this.#stopWaiting = true;
    for (const u of this.#recent) u.textWaiter?.();
  }

  /** Starts tracking a new utterance. */
  open(id: string, startMs: number): UtteranceRecord {
    const u: UtteranceRecord = { id, startMs, texts: [], textComplete: false, finalizing: false };
    this.#recent.push(u);
    if (this.#recent.length > this.ctx.maxUtterances) this.#recent.shift();
    return u;
  }

  /** Recent utterances in time order (the open one included). */
  recent(): UtteranceRecord[] {
    return [...this.#recent].sort((a, b) => a.startMs - b.startMs);
  }

  /** Adds final text; publishes `emotion.update` when the utterance's emotion was already out. */
  async attachText(u: UtteranceRecord, text: string, segmentEndMs: number): Promise<void> {
    if (!text) return;
    u.texts.push(text);
    u.interimText = undefined;
    if (u.endMs !== undefined && segmentEndMs >= u.endMs - TEXT_COMPLETE_SLACK_MS) u.textComplete = true;
    if (u.textWaiter && u.textComplete) u.textWaiter();
    if (u.emotionSeq !== undefined) {
      const textEst = await this.#textEstimate(u);
      const body = this.#emotion(u, u.endMs!, [u.voice ?? null, u.face ?? null, textEst]);
      if (body) {
        const ev = this.ctx.publish({ ...body, type: "emotion.update", replaces: u.emotionSeq });
        u.emotionSeq = ev.seq;
      }
    }
  }

  /** Publishes `emotion.partial` for the utterance so far. */
  async partial(u: UtteranceRecord, endMs: number, voice?: VoiceStage, face?: FaceStage): Promise<void> {
    const span = { utteranceId: u.id, startMs: u.startMs, endMs, final: false };
    const text = [...u.texts, u.interimText ?? ""].join(" ").trim();
    const [v, f, t] = await Promise.all([
      this.#safe(voice?.analyze(span)),
      this.#safe(face?.analyze(span)),
      text && this.ctx.text ? this.#safe(this.ctx.text.estimate({ speaker: this.ctx.speaker(), text })) : null,
    ]);
    if (u.finalizing) return; // the final estimate supersedes a late partial
    const body = this.#emotion(u, endMs, [v, f, t]);
    if (body) this.ctx.publish({ ...body, type: "emotion.partial" });
  }

  /** Computes and publishes the utterance's final `emotion`. */
  async finalize(u: UtteranceRecord, voice?: VoiceStage, face?: FaceStage): Promise<void> {
    u.finalizing = true;
    const span = { utteranceId: u.id, startMs: u.startMs, endMs: u.endMs!, final: true };
    const [v, f, summary] = await Promise.all([
      this.#safe(voice?.analyze(span)),
      this.#safe(face?.analyze(span)),
      voice?.summary(span).catch(() => null),
    ]);
    u.voice = v;
    u.face = f;
    if (this.#expectText && !u.textComplete && !this.#stopWaiting && this.ctx.textWaitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.ctx.textWaitMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        u.textWaiter = done;
      });
      u.textWaiter = undefined;
    }
    const t = await this.#textEstimate(u);
    const body = this.#emotion(u, u.endMs!, [v, f, t]);
    if (!body) return;
    const voiceSummary = summary ? roundValues(summary as Record<string, number>) : undefined;
    u.emotionSeq = this.ctx.publish({ ...body, type: "emotion", ...(voiceSummary ? { voiceSummary } : {}) }).seq;
    // Shifts follow final estimates only; a later emotion.update does not rewrite the state history.
    const shift = this.#shifts.update(body);
    if (shift) this.ctx.publish({ ...shift, type: "shift", participantId: this.ctx.participantId });
  }

  /** Face-only estimate over a window with no speech. */
  async faceWindow(id: string, startMs: number, endMs: number, face: FaceStage): Promise<void> {
    const f = await this.#safe(face.analyze({ utteranceId: id, startMs, endMs, final: true }));
    const u: UtteranceRecord = { id, startMs, endMs, texts: [], textComplete: true, finalizing: true };
    const body = this.#emotion(u, endMs, [null, f, null]);
    if (body) this.ctx.publish({ ...body, type: "emotion", window: true });
  }

  async #textEstimate(u: UtteranceRecord): Promise<ModalityEstimate | null> {
    const text = u.texts.join(" ").trim();
    if (!text || !this.ctx.text) return null;
    const turn = { speaker: this.ctx.speaker(), text };
    const est = await this.#safe(this.ctx.text.estimate(turn));
    // Each utterance enters the conversation context once, when its text is first known (a late
    // transcript joins the context late rather than never).
    if (!u.textCommitted) {
      u.textCommitted = true;
      this.ctx.text.commit(turn);
    }
    return est;
  }

  async #safe(p: Promise<ModalityEstimate | null> | undefined): Promise<ModalityEstimate | null> {
    if (!p) return null;
    try {
      return await p;
    } catch (err) {
      this.ctx.onError(err, "model_error");
      return null;
    }
  }

  #emotion(u: UtteranceRecord, endMs: number, estimates: (ModalityEstimate | null)[]): EmotionFields | null {
    const summary = summarizeEmotion(estimates, this.ctx.fusion);
    if (!summary) return null;
    const text = u.texts.join(" ").trim();
    return {
      participantId: this.ctx.participantId,
      utteranceId: u.id,
      startMs: u.startMs,
      endMs,
      ...summary,
      ...(text ? { text } : {}),
    };
  }
}

function roundValues(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
}
