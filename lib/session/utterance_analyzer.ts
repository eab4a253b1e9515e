/**
 * Per-utterance analysis for one participant: asks the modality stages for estimates, waits a
 * bounded time for transcript text, fuses, and publishes `emotion.partial`, `emotion` and
 * `emotion.update`. Keeps a bounded list of recent utterances so late text still finds its own.
 *
 * Final estimates are published in the order the utterances were finalised (one waiting for its
 * text holds back the ones after it), so the shift tracker and the conversation context see a
 * participant's utterances in order. Text that attaches while an utterance is being finalised is
 * never lost: it reaches the text estimate, the conversation context and an `emotion.update`.
 */
import type { FaceStage, TextStage, VoiceStage } from "../engine/stages.ts";
import type { FusionOptions } from "../fusion/fuse.ts";
import { summarizeEmotion } from "../fusion/emotion_summary.ts";
import type { Modality, ModalityEstimate } from "../modality/estimate.ts";
import { ShiftTracker, type ShiftTrackerOptions } from "../shift/shift_tracker.ts";
import type { EmotionFields, EventBody, MissingReason, SessionEvent } from "../protocol/events.ts";
import { type BaseReasons, voiceMissingReason } from "./missing_reasons.ts";
import { withAsrCoverage } from "../asr/asr_coverage.ts";
import type { TranscriptSource } from "../protocol/events.ts";

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
  /** Why voice and face gave nothing, as found when the final estimate was computed. */
  reasons?: Partial<Record<Modality, MissingReason>>;
  /** seq of the last `emotion` or `emotion.update` published for it. */
  emotionSeq?: number;
  /** True once the final estimate is being or has been computed. */
  finalizing: boolean;
  /** How many of `texts` entered the conversation context. */
  textsCommitted?: number;
  /** How many of `texts` the last published estimate read. */
  textsPublished?: number;
  /** The utterance's running chain of `emotion.update`s (one at a time, in order). */
  updates?: Promise<void>;
  textWaiter?: () => void;
  /** Set when the text came from the server's recogniser (lib/asr/participant_asr.ts). */
  transcript?: TranscriptSource;
}

/** Dependencies of {@linkcode UtteranceAnalyzer}. */
export interface UtteranceAnalyzerContext {
  participantId: string;
  speaker: () => string;
  text?: TextStage;
  /** Publishes; the seq is known once the store committed the event (a plain value in tests). */
  publish: (body: EventBody) => SessionEvent | Promise<SessionEvent>;
  textWaitMs: number;
  maxUtterances: number;
  fusion?: FusionOptions;
  shift?: ShiftTrackerOptions;
  onError: (err: unknown, code: "model_error") => void;
  /** Why each modality would be missing before any stage is asked (no input, no model). */
  reasons?: () => BaseReasons;
}

/** A final segment ending this close to the utterance's end completes its text, in ms. */
const TEXT_COMPLETE_SLACK_MS = 300;

/** Analysis and publication of one participant's utterances. */
export class UtteranceAnalyzer {
  #recent: UtteranceRecord[] = [];
  #expectText = false;
  #stopWaiting = false;
  /** Resolves when every final estimate started so far is published. */
  #published: Promise<void> = Promise.resolve();
  readonly #shifts: ShiftTracker;

  constructor(private readonly ctx: UtteranceAnalyzerContext) {
    this.#shifts = new ShiftTracker(ctx.shift);
  }

  /** The participant sends transcripts: final estimates wait for text from now on. */
  expectText(): void {
    this.#expectText = true;
  }

  /** Whether the participant ever sent a transcript (only then do final estimates wait for text). */
  get expectsText(): boolean {
    return this.#expectText;
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

  /**
   * Adds final text. Publishes `emotion.update` when the utterance's emotion is already out; when
   * its final estimate is being computed, that computation publishes the update once it is out.
   */
  async attachText(u: UtteranceRecord, text: string, segmentEndMs: number): Promise<void> {
    if (!text) return;
    u.texts.push(text);
    u.interimText = undefined;
    if (u.endMs !== undefined && segmentEndMs >= u.endMs - TEXT_COMPLETE_SLACK_MS) u.textComplete = true;
    if (u.textWaiter && u.textComplete) u.textWaiter();
    if (u.emotionSeq !== undefined) await this.#update(u);
  }

  /** Publishes `emotion.partial` for the utterance so far. */
  async partial(u: UtteranceRecord, endMs: number, voice?: VoiceStage, face?: FaceStage): Promise<void> {
    const span = { utteranceId: u.id, startMs: u.startMs, endMs, final: false };
    const text = [...u.texts, u.interimText ?? ""].join(" ").trim();
    const reasons = { ...this.ctx.reasons?.() };
    const [v, f, t] = await Promise.all([
      this.#safe("voice", voice?.analyze(span), reasons),
      this.#safe("face", face?.analyze(span), reasons),
      text && this.ctx.text
        ? this.#safe("text", this.ctx.text.estimate({ speaker: this.ctx.speaker(), text }), reasons)
        : null,
    ]);
    if (u.finalizing) return; // the final estimate supersedes a late partial
    const body = this.#emotion(u, endMs, [v, f, t], reasons, u.texts.length);
    if (body) this.ctx.publish({ ...body, type: "emotion.partial" });
  }

  /**
   * Computes and publishes the utterance's final `emotion`, after the final estimates of the
   * utterances finalised before it.
   */
  finalize(u: UtteranceRecord, voice?: VoiceStage, face?: FaceStage): Promise<void> {
    const before = this.#published;
    const done = this.#finalize(u, voice, face, before);
    this.#published = done.catch(() => {});
    return done;
  }

  async #finalize(u: UtteranceRecord, voice: VoiceStage | undefined, face: FaceStage | undefined, before: Promise<void>) {
    u.finalizing = true;
    const span = { utteranceId: u.id, startMs: u.startMs, endMs: u.endMs!, final: true };
    const reasons = { ...this.ctx.reasons?.() };
    const [v, f, summary] = await Promise.all([
      this.#safe("voice", voice?.analyze(span), reasons),
      this.#safe("face", face?.analyze(span), reasons),
      voice?.summary(span).catch(() => null),
    ]);
    if (!v && voice && reasons.voice !== "model_error" && reasons.voice !== "no_audio") {
      reasons.voice = voiceMissingReason(summary as { levelDb?: number } | null);
    }
    u.voice = v;
    u.face = f;
    u.reasons = reasons;
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
    await before;
    const used = u.texts.length;
    const t = await this.#textEstimate(u, used, reasons);
    const body = this.#emotion(u, u.endMs!, [v, f, t], reasons, used);
    if (!body) return;
    const voiceSummary = summary ? roundValues(summary as Record<string, number>) : undefined;
    u.emotionSeq = (await this.ctx.publish({ ...body, type: "emotion", ...(voiceSummary ? { voiceSummary } : {}) })).seq;
    u.textsPublished = used;
    // Shifts follow final estimates only; a later emotion.update does not rewrite the state history.
    const shift = this.#shifts.update(body);
    if (shift) this.ctx.publish({ ...shift, type: "shift", participantId: this.ctx.participantId });
    // Text that attached while the estimate above was computed.
    if (u.texts.length > used) await this.#update(u);
  }

  /** Face-only estimate over a window with no speech. */
  async faceWindow(id: string, startMs: number, endMs: number, face: FaceStage): Promise<void> {
    const reasons = { ...this.ctx.reasons?.() };
    const f = await this.#safe("face", face.analyze({ utteranceId: id, startMs, endMs, final: true }), reasons);
    const u: UtteranceRecord = { id, startMs, endMs, texts: [], textComplete: true, finalizing: true };
    const body = this.#emotion(u, endMs, [null, f, null], reasons, 0);
    if (body) this.ctx.publish({ ...body, type: "emotion", window: true });
  }

  /** Queues an `emotion.update` for text that arrived after the utterance's emotion was published. */
  #update(u: UtteranceRecord): Promise<void> {
    const run = async () => {
      const used = u.texts.length;
      if (used <= (u.textsPublished ?? 0)) return; // an earlier update already read this text
      const reasons = { ...u.reasons };
      const t = await this.#textEstimate(u, used, reasons);
      const body = this.#emotion(u, u.endMs!, [u.voice ?? null, u.face ?? null, t], reasons, used);
      if (!body) return;
      const ev = await this.ctx.publish({ ...body, type: "emotion.update", replaces: u.emotionSeq! });
      u.emotionSeq = ev.seq;
      u.textsPublished = used;
    };
    const next = (u.updates ?? Promise.resolve()).then(run);
    u.updates = next.catch(() => {});
    return next;
  }

  /**
   * Text estimate of the utterance's first `used` texts. Each text enters the conversation
   * context once: the utterance's text when first estimated, and text arriving later as a
   * continuation turn of the same speaker (a late transcript joins the context late, not never).
   */
  async #textEstimate(u: UtteranceRecord, used: number, reasons: BaseReasons): Promise<ModalityEstimate | null> {
    const text = u.texts.slice(0, used).join(" ").trim();
    if (!text || !this.ctx.text) return null;
    const turn = { speaker: this.ctx.speaker(), text };
    const est = await this.#safe("text", this.ctx.text.estimate(turn), reasons);
    const committed = u.textsCommitted ?? 0;
    if (used > committed) {
      const fresh = u.texts.slice(committed, used).join(" ").trim();
      if (fresh) this.ctx.text.commit({ speaker: turn.speaker, text: fresh });
      u.textsCommitted = used;
    }
    // Recognised text counts as much as it is likely right (docs/asr.md).
    return est && u.transcript ? withAsrCoverage(est, u.transcript.confidence) : est;
  }

  async #safe(
    modality: Modality,
    p: Promise<ModalityEstimate | null> | undefined,
    reasons: BaseReasons,
  ): Promise<ModalityEstimate | null> {
    if (!p) return null;
    try {
      return await p;
    } catch (err) {
      reasons[modality] = "model_error";
      this.ctx.onError(err, "model_error");
      return null;
    }
  }

  #emotion(
    u: UtteranceRecord,
    endMs: number,
    estimates: (ModalityEstimate | null)[],
    reasons: BaseReasons,
    textsUsed: number,
  ): EmotionFields | null {
    const summary = summarizeEmotion(estimates, this.ctx.fusion, reasons);
    if (!summary) return null;
    const text = u.texts.slice(0, textsUsed).join(" ").trim();
    return {
      participantId: this.ctx.participantId,
      utteranceId: u.id,
      startMs: u.startMs,
      endMs,
      ...summary,
      ...(text ? { text } : {}),
      ...(text && u.transcript ? { transcript: u.transcript } : {}),
    };
  }
}

function roundValues(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
}
