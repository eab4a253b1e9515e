/**
 * One participant's voice analysis: LLDs computed as audio arrives into a bounded ring,
 * functionals over any recent span on request, the shared model, and the participant's own
 * speaker normaliser (updated by final utterances only).
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
}

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
  #extractor = new LldExtractor();
  #ring: LldRing;
  #normalizer: SpeakerNormalizer;
  #released = false;
  #sink = (lld: Float32Array) => this.#ring.append(lld);

  constructor(model: VoiceModel, options: VoiceStreamOptions = {}) {
    const historyMs = options.historyMs ?? 90_000;
    this.minVoicedMs = options.minVoicedMs ?? 250;
    if (!(historyMs >= 1000)) throw new RangeError("historyMs must be ≥ 1000");
    if (!(this.minVoicedMs >= 0)) throw new RangeError("minVoicedMs must be ≥ 0");
    this.model = model;
    this.#ring = new LldRing(Math.ceil(historyMs / HOP_MS), options.startFrame ?? 0);
    this.#normalizer = new SpeakerNormalizer(model.normalization);
  }

  /** Utterances the speaker normaliser has accumulated. */
  get speakerUtterances(): number {
    return this.#normalizer.count;
  }

  /** Appends 16 kHz mono samples, contiguous on the participant's media clock from 0. O(chunk). */
  push(samples: Float32Array): void {
    if (this.#released) throw new VoiceStreamError("push() after release()");
    this.#extractor.push(samples, this.#sink);
  }

  /** Advances the media clock over `samples` samples that are not analysed (shed under load): they count as silence. */
  skip(samples: number): void {
    if (this.#released) throw new VoiceStreamError("skip() after release()");
    this.#extractor.skip(samples, this.#sink);
  }

  #frames(span: AnalysisSpan) {
    if (!(span.endMs >= span.startMs)) throw new VoiceStreamError(`invalid span [${span.startMs}, ${span.endMs})`);
    return this.#ring.slice(Math.ceil(span.startMs / HOP_MS), Math.ceil(span.endMs / HOP_MS));
  }

  /**
   * Emotion estimate for [startMs, endMs): functionals → speaker normalisation → model →
   * calibrated probabilities. Null when the span has less than `minVoicedMs` of voiced audio, or
   * no voiced frame at all (digital silence, no speech): never a confident guess from no data.
   * A final span also adds its features to the speaker's statistics (after predicting).
   */
  async analyze(span: AnalysisSpan): Promise<ModalityEstimate | null> {
    if (this.#released) throw new VoiceStreamError("analyze() after release()");
    const { llds, frames } = this.#frames(span);
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

  /** Acoustic summary of [startMs, endMs) from the stored LLDs. */
  summary(span: Pick<AnalysisSpan, "startMs" | "endMs">): VoiceSummary {
    const { llds, frames } = this.#frames({ ...span, utteranceId: "", final: false });
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
