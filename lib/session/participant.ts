/**
 * One participant's live stream: audio → 16 kHz → VAD → utterances; face frames and transcript
 * segments on the same media clock; per-utterance analysis by the modality stages and fusion;
 * events out through `publish`. Transport-free: the socket layer calls these methods and turns
 * thrown ProtocolErrors into replies. Errors found inside the pipeline (a failed model call, VAD
 * behind) are published through the participant's own per-code {@linkcode ErrorThrottle}.
 */
import { MisalignedAudioError } from "../audio/errors.ts";
import { decodePcm, frameBytes } from "../audio/pcm_decoder.ts";
import { Resampler } from "../audio/resampler.ts";
import { PIPELINE_SAMPLE_RATE } from "../audio/sample_rate.ts";
import type { FaceFrame } from "../protocol/face_frame.ts";
import type { AudioFormat, HelloMessage, TranscriptMessage } from "../protocol/client_messages.ts";
import { CloseCode, type ErrorCode, ProtocolError } from "../protocol/errors.ts";
import type { EventBody, SessionEvent } from "../protocol/events.ts";
import { SchedulerOverloadError } from "../inference/batch_scheduler.ts";
import type { SileroVad } from "../segment/silero_vad.ts";
import { VadStream } from "../segment/silero_vad.ts";
import { type SegmenterEvent, VadSegmenter } from "../segment/vad_segmenter.ts";
import type { FaceStage, StageFactory, TextStage, VoiceStage } from "../engine/stages.ts";
import { ErrorThrottle } from "./error_throttle.ts";
import { FaceWindows } from "./face_windows.ts";
import { LevelMeter } from "./level_meter.ts";
import { type BaseReasons, unavailableReason } from "./missing_reasons.ts";
import {
  type ParticipantOptions,
  type ResolvedParticipantOptions,
  resolveParticipantOptions,
} from "./participant_options.ts";
import { AudioPacer, TokenBucket } from "./rate_limiter.ts";
import { alignSegment } from "./transcript_aligner.ts";
import { TranscriptBuffer } from "./transcript_buffer.ts";
import { UtteranceAnalyzer, type UtteranceRecord } from "./utterance_analyzer.ts";
import { ParticipantAsr } from "../asr/participant_asr.ts";
import { UtteranceIds } from "./utterance_ids.ts";

/** What a participant needs from its session. */
export interface ParticipantContext {
  sessionId: string;
  participantId: string;
  /**
   * This connection's ordinal among the participant's connections to the session (1 for the
   * first); it makes utterance ids unique within the session across rejoins. When absent, a
   * random tag is used instead.
   */
  connection?: number;
  vad: SileroVad;
  stages: StageFactory;
  /** The session's conversation (shared by its participants), when a text model is loaded. */
  text?: TextStage;
  /** Publishes; resolves once the store committed the event (callers here ignore the result). */
  publish: (body: EventBody) => SessionEvent | Promise<SessionEvent>;
  options?: ParticipantOptions;
  /** Wall clock in ms; injectable for tests. */
  now?: () => number;
}

/** A participant's ingest stream. */
export class ParticipantStream {
  readonly id: string;
  readonly options: ResolvedParticipantOptions;
  /** Per-code throttle of the errors this participant publishes (shared with its socket when it asks). */
  readonly throttle: ErrorThrottle;
  name?: string;
  #ctx: ParticipantContext;
  #now: () => number;
  #format?: AudioFormat;
  #hello = false;
  #helloWall = 0;
  #ended = false;
  #resampler?: Resampler;
  #vad?: VadStream;
  #segmenter: VadSegmenter;
  #meter = new LevelMeter();
  #voice?: VoiceStage;
  #face?: FaceStage;
  #analyzer: UtteranceAnalyzer;
  #ids: UtteranceIds;
  #samples = 0; // 16 kHz samples pushed: the media clock
  #pacer: AudioPacer;
  #faceBucket: TokenBucket;
  #faces: FaceWindows;
  #transcripts: TranscriptBuffer;
  #open?: UtteranceRecord;
  #partialBusy = false;
  #work = new Set<Promise<unknown>>();

  #decorators: ((body: EventBody) => EventBody)[] = [];

  constructor(ctx: ParticipantContext) {
    // Every event goes through the decorators (see decorateEvents) before it is published.
    this.#ctx = { ...ctx, publish: (body) => ctx.publish(this.#decorators.reduce((b, d) => d(b), body)) };
    this.id = ctx.participantId;
    this.options = resolveParticipantOptions(ctx.options);
    this.#now = ctx.now ?? (() => performance.now());
    this.throttle = new ErrorThrottle(1000, this.#now);
    this.#ids = new UtteranceIds(this.id, ctx.connection);
    this.#segmenter = new VadSegmenter(this.options.segmenter);
    const o = this.options;
    this.#pacer = new AudioPacer(o.burstMs, o.maxRateViolations, this.#now);
    this.#faceBucket = new TokenBucket(o.maxFacePerSecond, o.maxFacePerSecond, this.#now);
    this.#faces = new FaceWindows(o.faceWindowMs, o.maxLeadMs);
    this.#transcripts = new TranscriptBuffer({
      maxPerSecond: o.maxTranscriptsPerSecond,
      maxPending: o.maxPendingSegments,
      maxLeadMs: o.maxLeadMs,
      offline: o.offline,
    }, this.#now);
    this.#analyzer = new UtteranceAnalyzer({
      participantId: this.id,
      speaker: () => this.name ?? this.id,
      text: ctx.text,
      publish: this.#ctx.publish,
      textWaitMs: o.textWaitMs,
      maxUtterances: o.maxUtterances,
      shift: o.shift,
      onError: (err) => this.#report(err, "model_error"),
      reasons: () => this.#baseReasons(),
    });
  }

  /** Media time reached by audio, in ms. */
  get mediaMs(): number {
    return this.#samples / (PIPELINE_SAMPLE_RATE / 1000);
  }

  /**
   * Adds a transform applied to every event this participant publishes (the video socket adds
   * per-face entries to emotion events); returns a function that removes it.
   */
  decorateEvents(fn: (body: EventBody) => EventBody): () => void {
    this.#decorators.push(fn);
    return () => {
      this.#decorators = this.#decorators.filter((d) => d !== fn);
    };
  }

  /** Whether `end` was received or the stream was closed. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Handles `hello`. Throws a fatal ProtocolError if repeated. */
  #asr?: ParticipantAsr<UtteranceRecord>;

  hello(msg: HelloMessage): void {
    if (this.#hello) throw new ProtocolError("hello_repeated", "hello may be sent once", false);
    this.#hello = true;
    this.#helloWall = this.#now();
    this.name = msg.name;
    this.#format = msg.audio;
    if (msg.audio) {
      this.#resampler = new Resampler({ inputRate: msg.audio.sampleRate, outputRate: PIPELINE_SAMPLE_RATE });
      this.#vad = this.options.offline
        ? new VadStream(this.#ctx.vad, Number.MAX_SAFE_INTEGER, true)
        : new VadStream(this.#ctx.vad);
      this.#voice = this.#ctx.stages.createVoice?.();
      // Speech recognition for utterances that come without transcripts (docs/asr.md).
      const asr = msg.asr === false ? undefined : this.#ctx.stages.createAsr?.();
      if (asr) {
        this.#asr = new ParticipantAsr<UtteranceRecord>(asr, {
          attachText: (u, text, endMs) => this.#analyzer.attachText(u, text, endMs),
          expectText: () => this.#analyzer.expectText(),
          waitForText: this.options.offline,
          report: (err) => this.#report(err),
        });
      }
    }
    this.#face = this.#ctx.stages.createFace?.();
    this.#ctx.publish({
      type: "participant.joined",
      participantId: this.id,
      ...(msg.name ? { name: msg.name } : {}),
      ...(msg.audio ? { audio: { ...msg.audio } } : {}),
    });
  }

  /**
   * Handles one binary audio message. Throws ProtocolError (recoverable unless said otherwise).
   * Audio refused by the rate limit still advances the media clock, as silence.
   */
  audio(bytes: Uint8Array): void {
    this.#requireOpen();
    if (!this.#format) {
      throw new ProtocolError("hello_required", "send hello with an audio format before audio", !this.#hello);
    }
    const frames = bytes.byteLength / frameBytes(this.#format);
    if (!Number.isInteger(frames)) {
      const e = new MisalignedAudioError(bytes.byteLength, frameBytes(this.#format));
      throw new ProtocolError("misaligned_audio", e.message);
    }
    const decision = this.options.offline
      ? { ok: true as const }
      : this.#pacer.admit((frames / this.#format.sampleRate) * 1000);
    if (!decision.ok) {
      // The client counted this audio on its clock (face and transcript times follow it), so the
      // server's clock advances too, with silence in its place.
      this.#ingest(this.#resampler!.push(new Float32Array(frames)), true);
      if (decision.fatal) {
        throw new ProtocolError(
          "rate_limited",
          "audio keeps arriving faster than real time",
          false,
          CloseCode.policyViolation,
        );
      }
      throw new ProtocolError(
        "rate_limited",
        `audio is ${Math.round(decision.aheadMs)} ms ahead of real time (allowance ${this.options.burstMs} ms); ` +
          `message treated as silence (media clock now ${Math.round(this.mediaMs)} ms)`,
      );
    }
    this.#ingest(this.#resampler!.push(decodePcm(bytes, this.#format)), false);
  }

  #ingest(pcm16k: Float32Array, silence: boolean): void {
    if (pcm16k.length === 0) return;
    this.#samples += pcm16k.length;
    this.#meter.push(pcm16k);
    this.#voice?.push(pcm16k);
    this.#asr?.push(pcm16k);
    const vad = this.#vad!;
    const onProb = (p: number) => {
      this.#onSegmenterEvents(this.#segmenter.push(p));
      const seg = this.#segmenter;
      this.#voice?.speech?.(seg.earliestStartMs, seg.inSpeech, seg.speechUntilMs);
    };
    const onError = (err: unknown) => this.#report(err, "model_error");
    if (silence) {
      vad.skip(pcm16k, onProb);
    } else if (vad.wouldOverflow(pcm16k.length)) {
      // The model is behind: these frames are not run through it and count as silence, so
      // the media clock and memory stay bounded. The participant is told.
      vad.skip(pcm16k, onProb);
      this.#report(new ProtocolError("overloaded", "voice activity detection is behind; audio treated as silence"));
    } else {
      // Not tracked per message: end() waits for the VAD to be idle, and failures come through onError.
      vad.feed(pcm16k, onProb, onError);
    }
    if (this.#transcripts.size) this.#drainSegments(false);
  }

  /** The furthest media time this participant can have reached: its audio, or the wall clock since hello. */
  #clockMs(): number {
    if (this.options.offline) return Infinity;
    return Math.max(this.mediaMs, this.#now() - this.#helloWall);
  }

  /** Handles one face message. Throws ProtocolError when over the rate limit or out of time order. */
  face(frame: FaceFrame): void {
    this.#requireOpen();
    if (!this.#hello) throw new ProtocolError("hello_required", "send hello before face messages", false);
    if (!this.options.offline && !this.#faceBucket.take()) {
      throw new ProtocolError(
        "rate_limited",
        `more than ${this.options.maxFacePerSecond} face messages per second; frame dropped`,
      );
    }
    this.#faces.check(frame.timeMs, this.#clockMs());
    this.#faces.accept(frame.timeMs, frame.present);
    this.#face?.push(frame);
    const w = this.#face ? this.#faces.due(frame.timeMs, this.#open !== undefined) : null;
    if (w) this.#track(this.#analyzer.faceWindow(this.#ids.nextWindow(), w.startMs, w.endMs, this.#face!));
  }

  /** Handles one transcript message. Throws ProtocolError when over the rate limit, too far ahead, or the buffer is full. */
  transcript(msg: TranscriptMessage): void {
    this.#requireOpen();
    if (!this.#hello) throw new ProtocolError("hello_required", "send hello before transcripts", false);
    this.#transcripts.admit(msg, this.#clockMs());
    this.#analyzer.expectText();
    this.#asr?.clientTranscript();
    if (!msg.final) {
      if (this.#open) this.#open.interimText = msg.text;
      return;
    }
    this.#transcripts.push(msg);
    this.#drainSegments(false);
  }

  /**
   * Resolves once every frame fed so far went through VAD and every analysis it started is done.
   * Offline analysis feeds audio faster than real time and waits on this now and then, so
   * utterance spans are analysed while their features are still in the bounded history.
   */
  async settle(): Promise<void> {
    if (this.#vad) await this.#vad.push(new Float32Array(0), () => {}, () => {});
    while (this.#work.size) await Promise.allSettled([...this.#work]);
  }

  /** Flushes everything (on `end` or disconnect) and publishes `participant.left`. */
  async end(reason: "end" | "disconnect" | "error" = "end"): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#resampler && this.#vad) {
      const tail = this.#resampler.flush();
      if (tail.length) this.#ingest(tail, false);
      await this.#vad.push(new Float32Array(0), () => {}, () => {});
    }
    this.#onSegmenterEvents(this.#segmenter.flush());
    this.#drainSegments(true);
    // The last utterances' recognised text, within the text wait, before waits are released.
    await this.#asr?.settled(this.options.textWaitMs);
    this.#analyzer.stopWaitingForText();
    while (this.#work.size) await Promise.allSettled([...this.#work]);
    this.#voice?.release();
    this.#face?.release();
    this.#asr?.release();
    this.#ctx.publish({ type: "participant.left", participantId: this.id, reason, mediaMs: this.mediaMs });
  }

  /**
   * Consent withdrawn: stops at once. The open utterance is discarded (neither flushed nor
   * analysed) and `participant.left` (reason "consent_withdrawn") is published. Analyses already
   * running finish in the background; the session drops whatever they would publish.
   */
  withdraw(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#open = undefined;
    this.#analyzer.stopWaitingForText();
    this.#asr?.release();
    void Promise.allSettled([...this.#work]).then(() => {
      this.#voice?.release();
      this.#face?.release();
    });
    this.#ctx.publish({
      type: "participant.left",
      participantId: this.id,
      reason: "consent_withdrawn",
      mediaMs: this.mediaMs,
    });
  }

  #requireOpen(): void {
    if (this.#ended) throw new ProtocolError("stream_ended", "the stream has ended", false);
  }

  #track<T>(p: Promise<T>): void {
    const q = p.catch((err) => this.#report(err, "internal")).finally(() => this.#work.delete(q));
    this.#work.add(q);
  }

  /** Publishes an error event, at most once a second per code (repeats are counted in the next one). */
  #report(err: unknown, fallback: ErrorCode = "internal"): void {
    const pe = err instanceof ProtocolError ? err : undefined;
    const code: ErrorCode = pe?.code ?? (err instanceof SchedulerOverloadError ? "overloaded" : fallback);
    const suppressed = this.throttle.admit(code);
    if (suppressed === null) return;
    const message = (err as Error)?.message ?? String(err);
    this.#ctx.publish({
      type: "error",
      participantId: this.id,
      code,
      message: suppressed ? `${message} (${suppressed} similar suppressed)` : message,
      recoverable: pe?.recoverable ?? true,
    });
  }

  /** Why each modality would be missing, from what this participant sends and what the server has loaded. */
  #baseReasons(): BaseReasons {
    const unavailable = this.#ctx.stages.unavailable ?? {};
    const faceCounts = this.#faces.counts;
    return {
      voice: !this.#format
        ? "no_audio"
        : !this.#voice
        ? unavailableReason(unavailable.voice)
        : "too_little_voiced_speech",
      face: !this.#face
        ? unavailableReason(unavailable.face)
        : faceCounts.frames > 0 && faceCounts.faces === 0
        ? "no_face"
        : "no_face_frames",
      text: !this.#ctx.text ? unavailableReason(unavailable.text) : "no_text",
    };
  }

  #onSegmenterEvents(events: SegmenterEvent[]): void {
    for (const ev of events) {
      if (ev.kind === "start") {
        const u = this.#analyzer.open(this.#ids.next(), ev.startMs);
        this.#open = u;
        this.#ctx.publish({ type: "utterance.start", participantId: this.id, utteranceId: u.id, startMs: ev.startMs });
      } else if (ev.kind === "partial" && this.#open && !this.#partialBusy && !this.#voice?.behind?.()) {
        // Partials are optional: skipped while this one's previous partial runs or the voice worker is behind.
        this.#partialBusy = true;
        const u = this.#open;
        this.#track(
          this.#analyzer.partial(u, ev.endMs, this.#voice, this.#face).finally(() => this.#partialBusy = false),
        );
      } else if (ev.kind === "end" && this.#open) {
        const u = this.#open;
        this.#open = undefined;
        u.endMs = ev.endMs;
        this.#faces.utteranceEnded(ev.endMs);
        this.#ctx.publish({
          type: "utterance.end",
          participantId: this.id,
          utteranceId: u.id,
          startMs: u.startMs,
          endMs: ev.endMs,
          durationMs: ev.endMs - u.startMs,
          reason: ev.reason,
          acoustics: {
            ...this.#meter.levels(u.startMs, ev.endMs),
            speechProbMean: round3(ev.speechProbMean),
            speechRatio: round3(ev.speechRatio),
          },
        });
        if (this.#asr?.begin(u)) this.#track(this.#asr.recognize(u));
        this.#track(this.#analyzer.finalize(u, this.#voice, this.#face));
      }
    }
  }

  /** Attaches final segments the audio has caught up with (all of them when `all`). */
  #drainSegments(all: boolean): void {
    const hasAudio = this.#format !== undefined;
    for (const seg of this.#transcripts.take(hasAudio ? this.mediaMs : Infinity, all)) {
      const candidates = this.#analyzer.recent();
      const pieces = hasAudio ? alignSegment(seg, candidates, this.mediaMs) : [];
      if (pieces.length === 0) {
        this.#transcriptUtterance(seg);
      } else {
        for (const p of pieces) {
          this.#asr?.yieldTo(p.utterance);
          this.#track(this.#analyzer.attachText(p.utterance, p.text, p.endMs));
        }
      }
    }
  }

  /** A final segment no utterance covers becomes an utterance of its own. */
  #transcriptUtterance(seg: TranscriptMessage): void {
    if (!seg.text.trim()) return;
    const u = this.#analyzer.open(this.#ids.next(), seg.startMs);
    u.endMs = seg.endMs;
    this.#ctx.publish({ type: "utterance.start", participantId: this.id, utteranceId: u.id, startMs: seg.startMs });
    this.#ctx.publish({
      type: "utterance.end",
      participantId: this.id,
      utteranceId: u.id,
      startMs: seg.startMs,
      endMs: seg.endMs,
      durationMs: seg.endMs - seg.startMs,
      reason: "transcript",
    });
    // The text is attached before finalising (synchronously), so the final estimate reads it.
    const attached = this.#analyzer.attachText(u, seg.text.trim(), seg.endMs);
    this.#track(attached.then(() => {}));
    this.#track(this.#analyzer.finalize(u, this.#format ? this.#voice : undefined, this.#face));
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
