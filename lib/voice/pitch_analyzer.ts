/**
 * Per-frame descriptors of the 60 ms Gaussian-windowed frame (σ = 0.4, eGeMAPS `frame60`):
 * F0, voicing, HNR from the autocorrelation, and harmonic amplitudes (H1–H2, H1–A3, formant
 * amplitudes relative to H1).
 *
 * F0 follows Boersma's autocorrelation method (1993, "Accurate short-term analysis of the
 * fundamental frequency and the harmonics-to-noise ratio of a sampled sound"): the frame's
 * autocorrelation divided by the window's, candidate peaks between 55 and 1000 Hz (the
 * eGeMAPS range), an octave cost favouring high-frequency candidates, and a continuity cost
 * towards the previous voiced frame in place of a full Viterbi path. openSMILE uses
 * subharmonic summation instead; both estimate the same quantity (see docs/voice.md for the
 * measured agreement).
 *
 * The voicing decision's energy floor follows the stream's level. openSMILE's absolute floor
 * (windowed RMS 0.001) sits about 34 dB below the loudest frames of normal-level speech, so it
 * silences quiet recordings (acted sad speech at −50 to −60 dBFS came out 0–10 % voiced).
 * A stream whose recent peak frame has stayed between the absolute floor and
 * {@linkcode QUIET_PEAK_RMS} (−40 dB) for {@linkcode QUIET_HOLD_FRAMES} frames — quiet speech, not
 * silence (whose frames all lie under the absolute floor) nor the onset of louder speech — gets
 * a floor relative to that peak instead, falling continuously from the absolute floor at the
 * boundary to 34 dB below the peak. Louder streams keep the absolute floor, so the features of
 * normal-level speech (on which the voice model was trained) do not change.
 */
import { RealFft } from "./real_fft.ts";
import { EvenDft } from "./even_dft.ts";

/** Frame length of the long analysis, in samples at 16 kHz (60 ms). */
export const LONG_FRAME_SAMPLES = 960;
const FFT_SIZE = 2048;
const MIN_F0_HZ = 55;
const MAX_F0_HZ = 1000;
const GAUSS_SIGMA = 0.4;

/** Recent peak (windowed frame RMS) below which voicing becomes level-relative: −40 dB re full scale. */
export const QUIET_PEAK_RMS = 0.01;
/** The relative floor's limit, 34 dB below the peak: where the absolute floor sits for normal-level speech. */
const RELATIVE_FLOOR = 0.02;
/** Lowest floor ever used (≈ −90 dB, ±1 LSB of 16-bit audio): dither is never voiced. */
const LOWEST_FLOOR_RMS = 3e-5;
/** Frames (10 ms) the recent peak must stay quiet before the floor follows it: 300 ms. */
export const QUIET_HOLD_FRAMES = 30;
/** Per-frame decay of the peak tracker: 20 dB in 2 s of 10 ms frames. */
const PEAK_DECAY = Math.pow(10, -20 / 20 / 200);

/** Options for {@linkcode PitchAnalyzer}. */
export interface PitchAnalyzerOptions {
  /** Minimum window-corrected autocorrelation peak for a voiced frame, in [0, 1]. Default 0.55. */
  voicingThreshold?: number;
  /** Minimum RMS of the windowed frame (full scale 1) for a voiced frame. Default 0.001 (openSMILE's). */
  minRms?: number;
  /** Strength penalty per octave below the top of the range (Boersma's octave cost). Default 0.01. */
  octaveCost?: number;
  /** Strength penalty per octave of jump from the previous voiced frame's F0. Default 0.15. */
  jumpCost?: number;
  /** Level-relative energy floor for quiet streams (see the module header). Default true. */
  relativeFloor?: boolean;
}

/** Results of one long frame; F0 is 0 for unvoiced frames. */
export interface PitchResult {
  /** F0 in Hz, 0 when unvoiced. */
  f0Hz: number;
  /** Harmonics-to-noise ratio from the (uncorrected) autocorrelation at the period, in dB. */
  hnrDb: number;
  /** Amplitude of the first harmonic (linear magnitude). */
  h1: number;
  /** H1–H2 in dB. */
  h1h2Db: number;
}

/** Analyses 60 ms frames; keeps the previous F0 for continuity. */
export class PitchAnalyzer {
  readonly voicingThreshold: number;
  readonly minRms: number;
  readonly octaveCost: number;
  readonly jumpCost: number;
  readonly relativeFloor: boolean;
  #peakRms = 0;
  #quietRun = 0;
  #fft = new RealFft(FFT_SIZE);
  #window = new Float64Array(LONG_FRAME_SAMPLES);
  #windowAcf = new Float64Array(FFT_SIZE / 2);
  #input = new Float64Array(FFT_SIZE);
  /** Power spectrum, bins 0..FFT_SIZE/2 (the rest mirrors them). */
  #power = new Float64Array(FFT_SIZE / 2 + 1);
  /** Its DFT, the frame's autocorrelation at lags 0..FFT_SIZE/2 (scaled by ½, which r0 cancels). */
  #acf = new Float64Array(FFT_SIZE / 2 + 1);
  #evenDft = new EvenDft(FFT_SIZE / 2);
  /** Magnitude spectrum of the last frame, bins 0..FFT_SIZE/2. */
  readonly magnitude = new Float64Array(FFT_SIZE / 2 + 1);
  readonly binHz = 16000 / FFT_SIZE;
  #prevF0 = 0;
  readonly result: PitchResult = { f0Hz: 0, hnrDb: 0, h1: 0, h1h2Db: 0 };

  constructor(options: PitchAnalyzerOptions = {}) {
    this.voicingThreshold = options.voicingThreshold ?? 0.55;
    this.minRms = options.minRms ?? 0.001;
    this.octaveCost = options.octaveCost ?? 0.01;
    this.jumpCost = options.jumpCost ?? 0.15;
    this.relativeFloor = options.relativeFloor ?? true;
    if (!(this.voicingThreshold > 0 && this.voicingThreshold < 1)) throw new RangeError("voicingThreshold ∈ (0,1)");
    if (!(this.minRms >= 0)) throw new RangeError("minRms must be ≥ 0");
    if (!(this.octaveCost >= 0) || !(this.jumpCost >= 0)) throw new RangeError("costs must be ≥ 0");
    const half = (LONG_FRAME_SAMPLES - 1) / 2;
    for (let i = 0; i < LONG_FRAME_SAMPLES; i++) {
      this.#window[i] = Math.exp(-0.5 * ((i - half) / (GAUSS_SIGMA * half)) ** 2);
    }
    // the window's own autocorrelation, for Boersma's correction r_x ≈ r_xw / r_w
    const w = this.#window;
    for (let lag = 0; lag < FFT_SIZE / 2; lag++) {
      let s = 0;
      for (let i = 0; i + lag < LONG_FRAME_SAMPLES; i++) s += w[i] * w[i + lag];
      this.#windowAcf[lag] = s;
    }
    const w0 = this.#windowAcf[0];
    for (let lag = 0; lag < FFT_SIZE / 2; lag++) this.#windowAcf[lag] /= w0;
  }

  /** Forgets the previous F0 (e.g. after a gap in the audio). */
  reset(): void {
    this.#prevF0 = 0;
    this.#peakRms = 0;
    this.#quietRun = 0;
  }

  /** The energy floor of the voicing decision for the current frame (windowed RMS, full scale 1). */
  energyFloor(): number {
    if (!this.relativeFloor || this.#quietRun < QUIET_HOLD_FRAMES) return this.minRms;
    // Continuous hand-over: minRms·(peak/QUIET_PEAK_RMS)² at the boundary, 34 dB below the peak further down.
    const r = this.#peakRms / QUIET_PEAK_RMS;
    return Math.max(
      LOWEST_FLOOR_RMS,
      Math.min(this.minRms, Math.max(RELATIVE_FLOOR * this.#peakRms, this.minRms * r * r)),
    );
  }

  #track(rms: number): void {
    this.#peakRms = Math.max(rms, this.#peakRms * PEAK_DECAY);
    const quiet = this.#peakRms >= this.minRms && this.#peakRms < QUIET_PEAK_RMS;
    this.#quietRun = quiet ? this.#quietRun + 1 : 0;
  }

  /**
   * A frame passed over without analysis: only the level the voicing floor follows is updated
   * (as `analyze` would), and the F0 continuity is forgotten.
   */
  trackLevel(samples: Float32Array, offset: number): void {
    this.#track(Math.sqrt(this.#windowFrame(samples, offset) / LONG_FRAME_SAMPLES));
    this.#prevF0 = 0;
  }

  /** Windows the frame at `offset` into the FFT input; returns its energy (sum of squares). */
  #windowFrame(samples: Float32Array, offset: number): number {
    const x = this.#input;
    let sumSq = 0;
    for (let i = 0; i < LONG_FRAME_SAMPLES; i++) {
      const v = samples[offset + i] * this.#window[i];
      x[i] = v;
      sumSq += v * v;
    }
    return sumSq;
  }

  /** Analyses the 960-sample frame starting at `offset` in `samples`. */
  analyze(samples: Float32Array, offset: number): PitchResult {
    const x = this.#input, res = this.result;
    const sumSq = this.#windowFrame(samples, offset);
    res.f0Hz = 0;
    res.hnrDb = 0;
    res.h1 = 0;
    res.h1h2Db = 0;
    const rms = Math.sqrt(sumSq / LONG_FRAME_SAMPLES);
    this.#track(rms);
    if (rms < this.energyFloor() || sumSq === 0) {
      // Unvoiced by level: no spectrum needed (`magnitude` is only read for voiced frames).
      this.#prevF0 = 0;
      return res;
    }
    const mag = this.magnitude, pw = this.#power;
    this.#fft.power(x, pw, LONG_FRAME_SAMPLES);
    for (let k = 0; k <= FFT_SIZE / 2; k++) mag[k] = Math.sqrt(pw[k]);
    // autocorrelation = DFT of the (real, even) power spectrum, from its first half
    const acf = this.#acf;
    this.#evenDft.transform(pw, acf);
    const r0 = acf[0];
    const minLag = Math.floor(16000 / MAX_F0_HZ), maxLag = Math.ceil(16000 / MIN_F0_HZ);
    const rAt = (lag: number) => acf[lag] / r0 / this.#windowAcf[lag];
    let bestScore = -Infinity, bestLag = 0, bestR = 0;
    for (let lag = minLag + 1; lag < maxLag; lag++) {
      const c = rAt(lag);
      if (c < this.voicingThreshold * 0.8) continue;
      const a = rAt(lag - 1), b = rAt(lag + 1);
      if (!(c >= a && c > b)) continue;
      const den = a - 2 * c + b;
      const shift = den < 0 ? (0.5 * (a - b)) / den : 0;
      const peak = Math.min(1, c - 0.25 * (a - b) * shift);
      const exactLag = lag + shift;
      // a periodic frame also correlates at twice its period; noise peaks at short lags do not
      const lag2 = Math.round(2 * exactLag);
      if (lag2 < FFT_SIZE / 2 - 1 && rAt(lag2) < 0.5 * this.voicingThreshold) continue;
      const f0 = 16000 / exactLag;
      let score = peak - this.octaveCost * Math.log2(MAX_F0_HZ / f0);
      if (this.#prevF0 > 0) score -= this.jumpCost * Math.abs(Math.log2(f0 / this.#prevF0));
      if (score > bestScore) {
        bestScore = score;
        bestLag = exactLag;
        bestR = peak;
      }
    }
    if (bestLag === 0 || bestR < this.voicingThreshold) {
      this.#prevF0 = 0;
      return res;
    }
    const f0 = 16000 / bestLag;
    res.f0Hz = f0;
    this.#prevF0 = f0;
    // HNR from the uncorrected normalised autocorrelation at the period (openSMILE cHarmonics ACF HNR)
    const li = Math.floor(bestLag), fr = bestLag - li;
    const raw = ((1 - fr) * acf[li] + fr * acf[li + 1]) / r0;
    const rc = Math.min(Math.max(raw, 1e-10), 1 - 1e-10);
    res.hnrDb = 10 * Math.log10(rc / (1 - rc));
    res.h1 = this.harmonicAmplitude(f0);
    const h2 = this.harmonicAmplitude(2 * f0);
    res.h1h2Db = res.h1 > 0 && h2 > 0 ? 20 * Math.log10(res.h1 / h2) : 0;
    return res;
  }

  /** Peak magnitude within ±10 % of F0 (at least one bin) around `hz` in the last frame. */
  harmonicAmplitude(hz: number, f0Hz = this.result.f0Hz): number {
    const half = Math.max(1, Math.round((0.1 * f0Hz) / this.binHz));
    const c = Math.round(hz / this.binHz);
    let m = 0;
    for (let k = Math.max(0, c - half); k <= Math.min(FFT_SIZE / 2, c + half); k++) {
      if (this.magnitude[k] > m) m = this.magnitude[k];
    }
    return m;
  }

  /**
   * Amplitude of the strongest harmonic within a formant's bandwidth (at least the nearest
   * harmonic), relative to H1 in dB (openSMILE FormantAmplitudeByMaxHarmonicLogRelF0).
   */
  formantAmplitudeRelH1(formantHz: number, bandwidthHz: number): number {
    const f0 = this.result.f0Hz, h1 = this.result.h1;
    if (!(f0 > 0) || !(h1 > 0) || !(formantHz > 0)) return 0;
    const halfBw = Math.max(bandwidthHz / 2, 0);
    let lo = Math.max(1, Math.ceil((formantHz - halfBw) / f0));
    let hi = Math.floor((formantHz + halfBw) / f0);
    if (hi < lo) lo = hi = Math.max(1, Math.round(formantHz / f0));
    let m = 0;
    for (let h = lo; h <= hi && h * f0 < 8000; h++) m = Math.max(m, this.harmonicAmplitude(h * f0));
    return m > 0 ? 20 * Math.log10(m / h1) : 0;
  }
}
