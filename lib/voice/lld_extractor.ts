/**
 * Streaming eGeMAPS low-level descriptor extraction: audio goes in as chunks of any length,
 * one LLD vector comes out per 10 ms hop as soon as its 60 ms analysis frame is complete
 * (frames start at multiples of the hop, openSMILE's frameCenterSpecial=left). Work per
 * push is proportional to the chunk; the sample history kept is one long frame.
 */
import { HOP_SAMPLES, LLD, LLD_COUNT, SAMPLE_RATE } from "./lld_names.ts";
import { ShortFrameAnalyzer } from "./short_frame_analyzer.ts";
import { LONG_FRAME_SAMPLES, PitchAnalyzer, type PitchAnalyzerOptions } from "./pitch_analyzer.ts";
import { JITTER_HISTORY_SAMPLES, JitterShimmerAnalyzer } from "./jitter_shimmer.ts";
import { HarmonicPeaks, UNVOICED_AMPLITUDE_DB } from "./harmonic_peaks.ts";

/**
 * Bins of the harmonic analysis spectrum: openSMILE pads the 960-sample frame to 1024 points;
 * those bins are the even bins of our 2048-point spectrum of the same frame.
 */
const HARMONIC_BINS = 513;

/** Options for {@linkcode LldExtractor}. */
export interface LldExtractorOptions {
  /** Pitch tracker settings. */
  pitch?: PitchAnalyzerOptions;
  /**
   * Samples that may wait unanalysed ({@linkcode LldExtractor.append}), beyond one analysis frame
   * and the jitter history. Default 2 × 960; when the buffer is full the oldest waiting frames
   * are analysed to make room.
   */
  waitingSamples?: number;
}

/** Receives one frame's LLDs (a reused buffer: copy it) and the frame's index from 0. */
export type LldSink = (lld: Float32Array, frameIndex: number) => void;

/** F0 in semitones above 27.5 Hz (eGeMAPS F0semitoneFrom27.5Hz). */
export function hzToSemitones(hz: number): number {
  return 12 * Math.log2(hz / 27.5);
}

/**
 * Computes the LLDs of a 16 kHz mono stream frame by frame. `push` analyses every frame as soon
 * as it is complete; `append` only buffers, and the caller then analyses (`analyzeTo`) or passes
 * over (`coastTo`) the waiting frames, e.g. analysing only the audio around speech.
 */
export class LldExtractor {
  #short = new ShortFrameAnalyzer(SAMPLE_RATE);
  #pitch: PitchAnalyzer;
  #js = new JitterShimmerAnalyzer();
  #harmonics = new HarmonicPeaks(HARMONIC_BINS, SAMPLE_RATE / (2 * (HARMONIC_BINS - 1)));
  #harmonicMag = new Float64Array(HARMONIC_BINS);
  #buf: Float32Array;
  #bufStart = 0; // absolute sample index of #buf[0]
  #bufLen = 0;
  #nextFrame = 0;
  #out = new Float32Array(LLD_COUNT);

  constructor(options: LldExtractorOptions = {}) {
    this.#pitch = new PitchAnalyzer(options.pitch);
    const waiting = options.waitingSamples ?? 2 * LONG_FRAME_SAMPLES;
    if (!(waiting >= LONG_FRAME_SAMPLES)) throw new RangeError(`waitingSamples must be ≥ ${LONG_FRAME_SAMPLES}`);
    this.#buf = new Float32Array(Math.ceil(waiting) + LONG_FRAME_SAMPLES + JITTER_HISTORY_SAMPLES + HOP_SAMPLES);
  }

  /** Number of frames emitted so far (analysed or passed over). */
  get frameCount(): number {
    return this.#nextFrame;
  }

  /** Index one past the last frame whose analysis window is complete in the audio received. */
  get completeFrames(): number {
    const end = this.#bufStart + this.#bufLen;
    return Math.max(this.#nextFrame, Math.floor((end - LONG_FRAME_SAMPLES) / HOP_SAMPLES) + 1);
  }

  /** Number of samples pushed so far. */
  get sampleCount(): number {
    return this.#bufStart + this.#bufLen;
  }

  /** Appends samples and emits every frame that became complete. */
  push(samples: Float32Array, sink: LldSink): void {
    this.append(samples, sink);
    this.analyzeTo(Infinity, sink);
  }

  /**
   * Appends samples without analysing them. Frames wait until `analyzeTo` or `coastTo`; when the
   * buffer is full the oldest waiting frames are analysed (emitted to `sink`) to make room.
   */
  append(samples: Float32Array, sink: LldSink): void {
    let read = 0;
    while (read < samples.length) {
      let room = this.#buf.length - this.#bufLen;
      if (room < HOP_SAMPLES) {
        this.analyzeTo(this.#nextFrame + Math.ceil((samples.length - read) / HOP_SAMPLES), sink);
        room = this.#buf.length - this.#bufLen;
      }
      const take = Math.min(room, samples.length - read);
      this.#buf.set(samples.subarray(read, read + take), this.#bufLen);
      this.#bufLen += take;
      read += take;
    }
  }

  /** Analyses the waiting frames before `toFrame` (those complete), emitting each. */
  analyzeTo(toFrame: number, sink: LldSink): void {
    const last = Math.min(toFrame, this.completeFrames);
    for (; this.#nextFrame < last; this.#nextFrame++) {
      this.#analyze(this.#nextFrame * HOP_SAMPLES - this.#bufStart);
      sink(this.#out, this.#nextFrame);
    }
    this.#trim();
  }

  /**
   * Passes over the waiting frames before `toFrame` (those complete) without analysing them: each
   * gets an all-zero LLD vector (unvoiced, silent), the level the voicing floor follows is still
   * tracked, and the other continuity state (previous spectrum, F0, periods) is reset, so frames
   * analysed a few hops later are as a continuous analysis gives them.
   */
  coastTo(toFrame: number, sink: LldSink): void {
    const last = Math.min(toFrame, this.completeFrames);
    if (last <= this.#nextFrame) return;
    this.#out.fill(0);
    for (; this.#nextFrame < last; this.#nextFrame++) {
      this.#pitch.trackLevel(this.#buf, this.#nextFrame * HOP_SAMPLES - this.#bufStart);
      sink(this.#out, this.#nextFrame);
    }
    this.#short.forgetPrevious();
    this.#js.reset();
    this.#trim();
  }

  /**
   * Advances over `samples` samples that are not analysed (audio shed under load): every frame
   * whose analysis window reaches into the gap gets an all-zero LLD vector (unvoiced, silent) at
   * next to no cost, and the analysis continues after the gap with the continuity state reset.
   * Frames still waiting before the gap are analysed first.
   */
  skip(samples: number, sink: LldSink): void {
    if (!(samples > 0)) return;
    this.analyzeTo(Infinity, sink);
    const end = this.#bufStart + this.#bufLen + samples;
    // Frames that start before the gap's end can no longer be analysed whole.
    const firstAfter = Math.ceil(end / HOP_SAMPLES);
    this.#out.fill(0);
    for (; this.#nextFrame < firstAfter; this.#nextFrame++) sink(this.#out, this.#nextFrame);
    // The samples after the gap start at `end`; the next frame starts at the hop at or after it.
    this.#bufStart = end;
    this.#bufLen = 0;
    this.#pitch.reset();
    this.#js.reset();
  }

  /** Restarts from sample 0 with fresh state. */
  reset(): void {
    this.#bufStart = 0;
    this.#bufLen = 0;
    this.#nextFrame = 0;
    this.#short = new ShortFrameAnalyzer(SAMPLE_RATE);
    this.#pitch.reset();
    this.#js.reset();
  }

  /** Drops samples no future frame needs (jitter may reach back before the frame). */
  #trim(): void {
    const keepFrom = this.#nextFrame * HOP_SAMPLES - JITTER_HISTORY_SAMPLES - this.#bufStart;
    if (keepFrom > 0) {
      this.#buf.copyWithin(0, keepFrom, this.#bufLen);
      this.#bufLen -= keepFrom;
      this.#bufStart += keepFrom;
    }
  }

  #analyze(offset: number): void {
    const o = this.#out, buf = this.#buf;
    const p = this.#pitch.analyze(buf, offset);
    const voiced = p.f0Hz > 0;
    // Formants feed only voiced-frame functionals: unvoiced frames skip the LPC root finding.
    const s = this.#short.analyze(buf, offset, voiced);
    o[LLD.loudness] = s.loudness;
    o[LLD.alphaRatio] = s.alphaRatio;
    o[LLD.hammarberg] = s.hammarberg;
    o[LLD.slope0500] = s.slope0500;
    o[LLD.slope5001500] = s.slope5001500;
    o[LLD.flux] = s.flux;
    for (let i = 0; i < 4; i++) o[LLD.mfcc1 + i] = s.mfcc[i];
    for (let i = 4; i < 12; i++) o[LLD.mfcc5 + i - 4] = s.mfcc[i];
    o[LLD.energy] = s.energy;
    const js = this.#js.analyze(buf, this.#bufStart, this.#bufLen, this.#nextFrame * HOP_SAMPLES, p.f0Hz);
    const f = s.formants;
    const fl = s.lpcFormants;
    for (let i = 0; i < 3; i++) {
      o[LLD.f1 + 3 * i] = f.freq[i];
      o[LLD.f1 + 3 * i + 1] = f.bandwidth[i];
      o[LLD.f1 + 3 * i + 2] = UNVOICED_AMPLITUDE_DB;
      o[LLD.f1Lpc + 3 * i] = fl.freq[i];
      o[LLD.f1Lpc + 3 * i + 1] = fl.bandwidth[i];
      o[LLD.f1Lpc + 3 * i + 2] = 0;
    }
    if (voiced) {
      o[LLD.f0] = hzToSemitones(p.f0Hz);
      o[LLD.jitter] = js.jitter;
      o[LLD.shimmer] = js.shimmerDb;
      o[LLD.hnr] = p.hnrDb;
      const mag = this.#pitch.magnitude, hm = this.#harmonicMag;
      for (let k = 0; k < HARMONIC_BINS; k++) hm[k] = mag[2 * k];
      const h = this.#harmonics.analyze(hm, p.f0Hz, f.freq);
      o[LLD.h1h2] = h.h1h2Db;
      o[LLD.h1a3] = h.h1a3Db;
      for (let i = 0; i < 3; i++) o[LLD.f1 + 3 * i + 2] = h.formantDb[i];
      // textbook extras: the strongest harmonic within each LPC resonance relative to H1, and
      // H1–H2 / H1–A3 from the peaks nearest F0, 2·F0 and within F3
      for (let i = 0; i < 3; i++) {
        o[LLD.f1Lpc + 3 * i + 2] = this.#pitch.formantAmplitudeRelH1(fl.freq[i], fl.bandwidth[i]);
      }
      o[LLD.h1h2Harmonic] = p.h1h2Db;
      o[LLD.h1a3Lpc] = -o[LLD.f1Lpc + 3 * 2 + 2]; // minus F3's harmonic level relative to H1
    } else {
      o[LLD.f0] = 0;
      o[LLD.jitter] = 0;
      o[LLD.shimmer] = 0;
      o[LLD.hnr] = 0;
      o[LLD.h1h2] = 0;
      o[LLD.h1a3] = 0;
      o[LLD.h1h2Harmonic] = 0;
      o[LLD.h1a3Lpc] = 0;
    }
  }
}

/** Convenience for offline use and tests: the LLD matrix (frames × LLD_COUNT) of a whole signal. */
export function extractLlds(samples: Float32Array, options: LldExtractorOptions = {}): Float32Array {
  const ex = new LldExtractor(options);
  const frames = Math.max(0, Math.floor((samples.length - LONG_FRAME_SAMPLES) / HOP_SAMPLES) + 1);
  const out = new Float32Array(frames * LLD_COUNT);
  ex.push(samples, (lld, t) => out.set(lld, t * LLD_COUNT));
  return out;
}
