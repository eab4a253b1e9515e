/**
 * One participant's voice analysis: LLDs computed as audio arrives into a bounded ring,
 * functionals over any recent span on request, the shared model, and the participant's own
 * speaker normaliser (updated by final utterances only).
 *
 * Told where the segmenter stands ({@linkcode VoiceStream.speech}), the stream analyses only the
 * audio an utterance can still cover: frames that can no longer belong to one are passed over
 * (all-zero LLDs, the voicing floor's level still tracked), the rest waits at most `deferMs`.
 * Frames from a short warm-up before any possible utterance start onwards are analysed as a
 * continuous analysis gives them, so spans of utterances get the features training saw.
 */
import { normalizedEntropy, softmax, valenceArousal } from "../emotion/affect.ts";
import type { AnalysisSpan, ModalityEstimate } from "../modality/estimate.ts";
import { VoiceStreamError } from "./errors.ts";
import { computeFunctionals, dropShortRuns, MIN_VOICED_FRAMES } from "./functionals.ts";
import { LldExtractor } from "./lld_extractor.ts";
import { HOP_MS, LLD, LLD_COUNT } from "./lld_names.ts";
import { LldRing } from "./lld_ring.ts";
import { SpeakerNormalizer } from "./speaker_normalizer.ts";
import type { VoiceModel } from "./voice_model.ts";

/** Options for {@linkcode VoiceStream}. */
export interface VoiceStreamOptions {
  /** LLD history kept, in ms (≥ 1000). Default 90000; analyze() spans must lie within it. */
  historyMs?: number;
  /** Least voiced audio in a span for an estimate, in ms (≥ 0). Default 250. */
  minVoicedMs?: number;
  /**
   * Media frame (10 ms hop) of the first sample pushed, for a stream that starts mid-way through a
   * participant's clock (a voice worker restarted). Default 0.
   */
  startFrame?: number;
  /**
   * Longest time audio waits for the segmenter's verdict before it is analysed anyway, in ms
   * (≥ 0). Default 2000; 0 analyses every frame as it arrives. Only streams told about speech
   * ({@linkcode VoiceStream.speech}) wait at all.
   */
  deferMs?: number;
  /**
   * Whether `push` analyses the frames it completes (default true). False leaves them to
   * {@linkcode VoiceStream.drain} (a worker holding many streams spreads the work and answers
   * requests in between); an analysis still analyses its own span's frames first.
   */
  analyzeOnPush?: boolean;
}

/**
 * Frames analysed before the earliest possible utterance start (80 ms): enough for the
 * continuity state (previous spectrum, F0 and period tracking, formant root guesses) to be what a
 * continuous analysis has there.
 */
export const WARMUP_FRAMES = 8;

/** Cheap acoustic summary of a span (for `utterance.end`). */
export interface VoiceSummary {
  /** Span length, in ms. */
  durationMs: number;
  /** Fraction of the span's 10 ms frames that are voiced, in [0, 1]. */
  voicedRatio: number;
  /** Mean F0 of voiced frames in Hz; absent without voiced frames. */
  f0MeanHz?: number;
  /** 20th–80th percentile F0 range of voiced frames, in semitones; absent without voiced frames. */
  f0RangeSemitones?: number;
  /** Mean loudness (eGeMAPS auditory loudness, sone-like units). */
  loudnessMean: number;
  /** Equivalent sound level of the span, in dB re full scale. */
  levelDb: number;
}

/** A participant's voice stage. */
export class VoiceStream {
  readonly model: VoiceModel;
  readonly minVoicedMs: number;
  readonly deferMs: number;
  readonly analyzeOnPush: boolean;
  #extractor: LldExtractor;
  #ring: LldRing;
  #normalizer: SpeakerNormalizer;
  #released = false;
  #sink = (lld: Float32Array) => this.#ring.append(lld);
  #startFrame: number;
  #deferFrames: number;
  /** Whether the segmenter has said where it stands; until then every frame is analysed. */
  #informed = false;
  #inSpeech = false;
  /** While in speech: stream frame before which every frame belongs to the open utterance (undefined: all). */
  #speechUntil: number | undefined;
  /** Stream frame (from this stream's first sample) before which no utterance can start. */
  #needFrom = 0;
  #passedOver = 0;
  /** Runs of passed-over frames still within the history: [from, to) stream frames, in order. */
  #passedRuns: number[] = [];

  constructor(model: VoiceModel, options: VoiceStreamOptions = {}) {
    const historyMs = options.historyMs ?? 90_000;
    this.minVoicedMs = options.minVoicedMs ?? 250;
    if (!(historyMs >= 1000)) throw new RangeError("historyMs must be ≥ 1000");
    if (!(this.minVoicedMs >= 0)) throw new RangeError("minVoicedMs must be ≥ 0");
    this.deferMs = options.deferMs ?? 2000;
    this.analyzeOnPush = options.analyzeOnPush ?? true;
    if (!(this.deferMs >= 0)) throw new RangeError("deferMs must be ≥ 0");
    this.model = model;
    this.#startFrame = options.startFrame ?? 0;
    this.#deferFrames = Math.ceil(this.deferMs / HOP_MS);
    this.#extractor = new LldExtractor({ waitingSamples: Math.max(960, this.#deferFrames * 160 + 960) });
    this.#ring = new LldRing(Math.ceil(historyMs / HOP_MS), this.#startFrame);
    this.#normalizer = new SpeakerNormalizer(model.normalization);
  }

  /** Utterances the speaker normaliser has accumulated. */
  get speakerUtterances(): number {
    return this.#normalizer.count;
  }

  /** Frames passed over without analysis so far (no utterance could cover them). */
  get passedOverFrames(): number {
    return this.#passedOver;
  }

  /** Appends 16 kHz mono samples, contiguous on the participant's media clock from 0. O(chunk). */
  push(samples: Float32Array): void {
    if (this.#released) throw new VoiceStreamError("push() after release()");
    this.#extractor.append(samples, this.#sink);
    this.#afterInput();
  }

  /** Frames handled so far (analysed or passed over), from this stream's first sample. */
  get frameCount(): number {
    return this.#extractor.frameCount;
  }

  /** Frames ready to analyse now (complete, and not left waiting for the segmenter). */
  get pendingFrames(): number {
    const ex = this.#extractor;
    return Math.max(0, Math.min(this.#target(), ex.completeFrames) - ex.frameCount);
  }

  /** Analyses up to `maxFrames` of the frames ready ({@linkcode pendingFrames}); returns how many. */
  drain(maxFrames: number): number {
    if (this.#released) return 0;
    return this.#process(maxFrames);
  }

  /**
   * Where the segmenter stands: no utterance can start before `earliestStartMs` any more (media
   * time), and whether one is open or about to be confirmed (`inSpeech`). While one is, every
   * frame up to `speechUntilMs` (the segmenter's: its last speech frame plus the post-roll; all
   * frames when not given) is analysed as it arrives, and frames after it, in a pause, wait as
   * frames outside speech do (`deferMs`) until speech resumes or the utterance ends before them;
   * otherwise frames before the earliest start (less the warm-up) are passed over.
   * `earliestStartMs` never moves back.
   */
  speech(earliestStartMs: number, inSpeech: boolean, speechUntilMs?: number): void {
    if (this.#released || !Number.isFinite(earliestStartMs)) return;
    this.#informed = true;
    this.#inSpeech = inSpeech;
    this.#speechUntil = inSpeech && speechUntilMs !== undefined && Number.isFinite(speechUntilMs)
      ? Math.ceil(speechUntilMs / HOP_MS) - this.#startFrame
      : undefined;
    this.#needFrom = Math.max(this.#needFrom, Math.floor(earliestStartMs / HOP_MS) - this.#startFrame);
    this.#afterInput();
  }

  /** New audio or news from the segmenter: analyse now, or only pass over (drain() analyses). */
  #afterInput(): void {
    if (this.analyzeOnPush) this.#process(Infinity);
    else this.#coast();
  }

  /** Passes over the frames no utterance can cover any more. */
  #coast(): void {
    if (!this.#informed || this.#deferFrames === 0) return;
    const before = this.#extractor.frameCount;
    this.#extractor.coastTo(this.#needFrom - WARMUP_FRAMES, this.#sink);
    const after = this.#extractor.frameCount;
    if (after === before) return;
    this.#passedOver += after - before;
    const runs = this.#passedRuns;
    if (runs.length && runs[runs.length - 1] === before) runs[runs.length - 1] = after;
    else runs.push(before, after);
    // forget runs that left the history
    const oldest = this.#ring.start - this.#startFrame;
    let drop = 0;
    while (drop < runs.length && runs[drop + 1] <= oldest) drop += 2;
    if (drop) runs.splice(0, drop);
  }

  /** Frames of [from, to) (absolute) that were passed over. */
  #passedWithin(from: number, to: number): number {
    const runs = this.#passedRuns, a = from - this.#startFrame, b = to - this.#startFrame;
    let n = 0;
    for (let i = 0; i < runs.length; i += 2) n += Math.max(0, Math.min(b, runs[i + 1]) - Math.max(a, runs[i]));
    return n;
  }

  /**
   * Stream frame up to which frames are analysed now: all; those waited on for `deferMs`; or, in
   * speech, at least those up to `speechUntilMs`.
   */
  #target(): number {
    if (!this.#informed || this.#deferFrames === 0) return Infinity;
    const waited = this.#extractor.completeFrames - this.#deferFrames;
    if (!this.#inSpeech) return waited;
    return this.#speechUntil === undefined ? Infinity : Math.max(waited, this.#speechUntil);
  }

  /** Passes over what no utterance can cover, then analyses up to `limit` ready frames. */
  #process(limit: number): number {
    const ex = this.#extractor;
    this.#coast();
    const before = ex.frameCount;
    ex.analyzeTo(Math.min(this.#target(), before + limit), this.#sink);
    return ex.frameCount - before;
  }

  /** Advances the media clock over `samples` samples that are not analysed (shed under load): they count as silence. */
  skip(samples: number): void {
    if (this.#released) throw new VoiceStreamError("skip() after release()");
    this.#coast();
    this.#extractor.skip(samples, this.#sink);
  }

  #frames(span: AnalysisSpan) {
    if (!(span.endMs >= span.startMs)) throw new VoiceStreamError(`invalid span [${span.startMs}, ${span.endMs})`);
    const end = Math.ceil(span.endMs / HOP_MS);
    // Frames of the span still waiting are analysed now.
    this.#extractor.analyzeTo(end - this.#startFrame, this.#sink);
    const out = this.#ring.slice(Math.ceil(span.startMs / HOP_MS), end);
    return { ...out, passed: this.#passedWithin(out.first, out.first + out.frames) };
  }

  /**
   * Emotion estimate for [startMs, endMs): functionals → speaker normalisation → model →
   * calibrated probabilities. Null when the span has less than `minVoicedMs` of voiced audio, or
   * no voiced frame at all (digital silence, no speech), or when most of it was passed over (the
   * segmenter found no speech there): never a confident guess from no data.
   * A final span also adds its features to the speaker's statistics (after predicting).
   */
  async analyze(span: AnalysisSpan): Promise<ModalityEstimate | null> {
    if (this.#released) throw new VoiceStreamError("analyze() after release()");
    const { llds, frames, passed } = this.#frames(span);
    if (2 * passed > frames) return null;
    const voiced = countVoiced(llds, frames);
    if (frames === 0 || voiced === 0 || voiced * HOP_MS < this.minVoicedMs) return null;
    const all = computeFunctionals(llds, frames)!;
    const x = this.model.featureIndices.map((i) => all[i]);
    const input = this.#normalizer.normalize(x);
    if (span.final) this.#normalizer.update(x);
    const logits = await this.model.infer(input);
    const probs = softmax(logits, this.model.temperature);
    const { valence, arousal } = valenceArousal(probs);
    const spanFrames = Math.max(1, Math.round((span.endMs - span.startMs) / HOP_MS));
    return {
      modality: "voice",
      probs,
      confidence: Math.max(...probs),
      uncertainty: normalizedEntropy(probs),
      valence,
      arousal,
      coverage: Math.min(1, voiced / spanFrames),
      model: this.model.name,
    };
  }

  /**
   * Acoustic summary of [startMs, endMs) from the stored LLDs; null when most of the span was
   * passed over (no speech found there, so it was not analysed).
   */
  summary(span: Pick<AnalysisSpan, "startMs" | "endMs">): VoiceSummary | null {
    const { llds, frames, passed } = this.#frames({ ...span, utteranceId: "", final: false });
    if (2 * passed > frames) return null;
    const durationMs = span.endMs - span.startMs;
    if (frames === 0) return { durationMs, voicedRatio: 0, loudnessMean: 0, levelDb: -120 };
    const all = computeFunctionals(llds, frames)!;
    const voiced = countVoiced(llds, frames);
    const out: VoiceSummary = {
      durationMs,
      voicedRatio: Math.min(1, voiced / Math.max(1, Math.round(durationMs / HOP_MS))),
      loudnessMean: all[10],
      levelDb: all[87],
    };
    if (voiced > 0) {
      out.f0MeanHz = 27.5 * Math.pow(2, all[0] / 12);
      out.f0RangeSemitones = all[5];
    }
    return out;
  }

  /** Frees the LLD history; the stream cannot be used afterwards. */
  release(): void {
    this.#released = true;
    this.#ring = new LldRing(1);
  }
}

/** Voiced frames as the functionals count them (short voiced runs dropped). */
function countVoiced(llds: Float32Array, frames: number): number {
  const f0 = new Float64Array(frames);
  for (let t = 0; t < frames; t++) f0[t] = llds[t * LLD_COUNT + LLD.f0];
  dropShortRuns(f0, MIN_VOICED_FRAMES);
  let n = 0;
  for (let t = 0; t < frames; t++) if (f0[t] > 0) n++;
  return n;
}
