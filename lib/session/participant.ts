/**
 * One participant's live stream: audio → 16 kHz → VAD → utterances; face frames and transcript
 * segments on the same media clock; per-utterance analysis by the modality stages and fusion;
 * events out through `publish`. Transport-free: the socket layer calls these methods and turns
 * thrown ProtocolErrors into replies.
 */
import { decodePcm } from "../audio/pcm_decoder.ts";
import { Resampler } from "../audio/resampler.ts";
import type { FaceFrame } from "../face/face_frame.ts";
import { PIPELINE_SAMPLE_RATE } from "../media/decode.ts";
import type { AudioFormat, HelloMessage, TranscriptMessage } from "../protocol/client_messages.ts";
import { CloseCode, ProtocolError } from "../protocol/errors.ts";
import type { EventBody, SessionEvent } from "../protocol/events.ts";
import type { SileroVad } from "../segment/silero_vad.ts";
import { VadStream } from "../segment/silero_vad.ts";
import { type SegmenterEvent, VadSegmenter } from "../segment/vad_segmenter.ts";
import type { FaceStage, StageFactory, TextStage, VoiceStage } from "../engine/stages.ts";
import { LevelMeter } from "./level_meter.ts";
import { type ParticipantOptions, resolveParticipantOptions, type ResolvedParticipantOptions } from "./participant_options.ts";
import { alignSegment } from "./transcript_aligner.ts";
import { UtteranceAnalyzer, type UtteranceRecord } from "./utterance_analyzer.ts";

/** What a participant needs from its session. */
export interface ParticipantContext {
  sessionId: string;
  participantId: string;
  vad: SileroVad;
  stages: StageFactory;
  /** The session's conversation (shared by its participants), when a text model is loaded. */
  text?: TextStage;
  publish: (body: EventBody) => SessionEvent;
  options?: ParticipantOptions;
  /** Wall clock in ms; injectable for tests. */
  now?: () => number;
}

/** A participant's ingest stream. */
export class ParticipantStream {
  readonly id: string;
  readonly options: ResolvedParticipantOptions;
  name?: string;
  #ctx: ParticipantContext;
  #now: () => number;
  #format?: AudioFormat;
  #hello = false;
  #ended = false;
  #resampler?: Resampler;
  #vad?: VadStream;
  #segmenter: VadSegmenter;
  #meter = new LevelMeter();
  #voice?: VoiceStage;
  #face?: FaceStage;
  #analyzer: UtteranceAnalyzer;
  #samples = 0; // 16 kHz samples pushed: the media clock
  #inputSamples = 0;
  #firstAudioWall = 0;
  #violations = 0;
  #faceTokens: number;
  #faceRefillWall = 0;
  #lastFaceMs = -1;
  #pendingSegments: TranscriptMessage[] = [];
  #open?: UtteranceRecord;
  #utteranceCount = 0;
  #windowCount = 0;
  #lastWindowEndMs = 0;
  #partialBusy = false;
  #work = new Set<Promise<unknown>>();

  constructor(ctx: ParticipantContext) {
    this.#ctx = ctx;
    this.id = ctx.participantId;
    this.options = resolveParticipantOptions(ctx.options);
    this.#now = ctx.now ?? (() => performance.now());
    this.#segmenter = new VadSegmenter(this.options.segmenter);
    this.#faceTokens = this.options.maxFacePerSecond;
    this.#analyzer = new UtteranceAnalyzer({
      participantId: this.id,
      speaker: () => this.name ?? this.id,
      text: ctx.text,
      publish: ctx.publish,
      textWaitMs: this.options.textWaitMs,
      maxUtterances: this.options.maxUtterances,
      shift: this.options.shift,
      onError: (err) => this.#report(err),
    });
  }

  /** Media time reached by audio, in ms. */
  get mediaMs(): number {
    return this.#samples / (PIPELINE_SAMPLE_RATE / 1000);
  }

  /** Whether `end` was received or the stream was closed. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Handles `hello`. Throws a fatal ProtocolError if repeated. */
  hello(msg: HelloMessage): void {
    if (this.#hello) throw new ProtocolError("hello_repeated", "hello may be sent once", false);
    this.#hello = true;
    this.name = msg.name;
    this.#format = msg.audio;
    if (msg.audio) {
      this.#resampler = new Resampler({ inputRate: msg.audio.sampleRate, outputRate: PIPELINE_SAMPLE_RATE });
      this.#vad = this.options.offline
        ? new VadStream(this.#ctx.vad, Number.MAX_SAFE_INTEGER, true)
        : new VadStream(this.#ctx.vad);
      this.#voice = this.#ctx.stages.createVoice?.();
    }
    this.#face = this.#ctx.stages.createFace?.();
    this.#ctx.publish({
      type: "participant.joined",
      participantId: this.id,
      ...(msg.name ? { name: msg.name } : {}),
      ...(msg.audio ? { audio: { ...msg.audio } } : {}),
    });
  }

  /** Handles one binary audio message. Throws ProtocolError (recoverable unless said otherwise). */
  audio(bytes: Uint8Array): void {
    this.#requireOpen();
    if (!this.#format) {
      throw new ProtocolError("hello_required", "send hello with an audio format before audio", !this.#hello);
    }
    const samples = decodePcm(bytes, this.#format);
    const now = this.#now();
    if (this.#inputSamples === 0) this.#firstAudioWall = now;
    const aheadMs = ((this.#inputSamples + samples.length) / this.#format.sampleRate) * 1000 -
      (now - this.#firstAudioWall);
    if (aheadMs > this.options.burstMs && !this.options.offline) {
      if (++this.#violations >= this.options.maxRateViolations) {
        throw new ProtocolError("rate_limited", "audio keeps arriving faster than real time", false, CloseCode.policyViolation);
      }
      throw new ProtocolError(
        "rate_limited",
        `audio is ${Math.round(aheadMs)} ms ahead of real time (allowance ${this.options.burstMs} ms); message dropped`,
      );
    }
    this.#inputSamples += samples.length;
    this.#ingest(this.#resampler!.push(samples));
  }

  #ingest(pcm16k: Float32Array): void {
    if (pcm16k.length === 0) return;
    this.#samples += pcm16k.length;
    this.#meter.push(pcm16k);
    this.#voice?.push(pcm16k);
    const vad = this.#vad!;
    const onProb = (p: number) => this.#onSegmenterEvents(this.#segmenter.push(p));
    const onError = (err: unknown) => this.#report(err, "model_error");
    if (vad.wouldOverflow(pcm16k.length)) {
      // The model is behind: these frames are not run through it and count as silence, so
      // the media clock and memory stay bounded. The participant is told.
      vad.skip(pcm16k, onProb);
      this.#report(new ProtocolError("overloaded", "voice activity detection is behind; audio treated as silence"));
    } else {
      this.#track(vad.push(pcm16k, onProb, onError));
    }
    if (this.#pendingSegments.length) this.#drainSegments(false);
  }

  /** Handles one face message. Throws ProtocolError when over the rate limit. */
  face(frame: FaceFrame): void {
    this.#requireOpen();
    if (!this.#hello) throw new ProtocolError("hello_required", "send hello before face messages", false);
    const now = this.#now();
    const rate = this.options.maxFacePerSecond;
    this.#faceTokens = Math.min(rate, this.#faceTokens + ((now - this.#faceRefillWall) / 1000) * rate);
    this.#faceRefillWall = now;
    if (this.#faceTokens < 1 && !this.options.offline) {
      throw new ProtocolError("rate_limited", `more than ${rate} face messages per second; frame dropped`);
    }
    if (frame.timeMs < this.#lastFaceMs) {
      throw new ProtocolError("bad_message", `face timeMs ${frame.timeMs} goes back in time (last ${this.#lastFaceMs})`);
    }
    this.#faceTokens -= 1;
    this.#lastFaceMs = frame.timeMs;
    this.#face?.push(frame);
    this.#maybeFaceWindow(frame.timeMs);
  }

  /** Handles one transcript message. */
  transcript(msg: TranscriptMessage): void {
    this.#requireOpen();
    if (!this.#hello) throw new ProtocolError("hello_required", "send hello before transcripts", false);
    this.#analyzer.expectText();
    if (!msg.final) {
      if (this.#open) this.#open.interimText = msg.text;
      return;
    }
    this.#pendingSegments.push(msg);
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
      if (tail.length) this.#ingest(tail);
      await this.#vad.push(new Float32Array(0), () => {}, () => {});
    }
    this.#onSegmenterEvents(this.#segmenter.flush());
    this.#drainSegments(true);
    this.#analyzer.stopWaitingForText();
    while (this.#work.size) await Promise.allSettled([...this.#work]);
    this.#voice?.release();
    this.#face?.release();
    this.#ctx.publish({ type: "participant.left", participantId: this.id, reason, mediaMs: this.mediaMs });
  }

  #requireOpen(): void {
    if (this.#ended) throw new ProtocolError("stream_ended", "the stream has ended", false);
  }

  #track<T>(p: Promise<T>): void {
    const q = p.catch((err) => this.#report(err, "internal")).finally(() => this.#work.delete(q));
    this.#work.add(q);
  }

  #report(err: unknown, code: "model_error" | "internal" = "internal"): void {
    const pe = err instanceof ProtocolError ? err : undefined;
    this.#ctx.publish({
      type: "error",
      participantId: this.id,
      code: pe?.code ?? code,
      message: (err as Error)?.message ?? String(err),
      recoverable: pe?.recoverable ?? true,
    });
  }

  #onSegmenterEvents(events: SegmenterEvent[]): void {
    for (const ev of events) {
      if (ev.kind === "start") {
        const u = this.#analyzer.open(`${this.id}-${++this.#utteranceCount}`, ev.startMs);
        this.#open = u;
        this.#ctx.publish({ type: "utterance.start", participantId: this.id, utteranceId: u.id, startMs: ev.startMs });
      } else if (ev.kind === "partial" && this.#open && !this.#partialBusy) {
        this.#partialBusy = true;
        const u = this.#open;
        this.#track(
          this.#analyzer.partial(u, ev.endMs, this.#voice, this.#face).finally(() => this.#partialBusy = false),
        );
      } else if (ev.kind === "end" && this.#open) {
        const u = this.#open;
        this.#open = undefined;
        u.endMs = ev.endMs;
        this.#lastWindowEndMs = ev.endMs;
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
        this.#track(this.#analyzer.finalize(u, this.#voice, this.#face));
      }
    }
  }

  /** Attaches final segments the audio has caught up with (all of them when `all`). */
  #drainSegments(all: boolean): void {
    const hasAudio = this.#format !== undefined;
    const keep: TranscriptMessage[] = [];
    for (const seg of this.#pendingSegments) {
      if (!all && hasAudio && seg.endMs > this.mediaMs) {
        keep.push(seg);
        continue;
      }
      const candidates = this.#analyzer.recent();
      const pieces = hasAudio ? alignSegment(seg, candidates, this.mediaMs) : [];
      if (pieces.length === 0) {
        this.#track(this.#transcriptUtterance(seg));
      } else {
        for (const p of pieces) this.#track(this.#analyzer.attachText(p.utterance, p.text, p.endMs));
      }
    }
    this.#pendingSegments = keep;
  }

  /** A final segment no utterance covers becomes an utterance of its own. */
  async #transcriptUtterance(seg: TranscriptMessage): Promise<void> {
    if (!seg.text.trim()) return;
    const u = this.#analyzer.open(`${this.id}-${++this.#utteranceCount}`, seg.startMs);
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
    await this.#analyzer.attachText(u, seg.text.trim(), seg.endMs);
    await this.#analyzer.finalize(u, this.#format ? this.#voice : undefined, this.#face);
  }

  #maybeFaceWindow(timeMs: number): void {
    const w = this.options.faceWindowMs;
    if (!this.#face || w === 0 || this.#open) return;
    if (timeMs - this.#lastWindowEndMs < w) return;
    const startMs = Math.max(this.#lastWindowEndMs, timeMs - w);
    this.#lastWindowEndMs = timeMs;
    const id = `${this.id}-w${++this.#windowCount}`;
    this.#track(this.#analyzer.faceWindow(id, startMs, timeMs, this.#face));
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
