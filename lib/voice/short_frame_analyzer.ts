/**
 * Per-frame descriptors of the 20 ms Hamming-windowed frame (openSMILE's `frame25`
 * level of eGeMAPS v02, which is 20 ms despite its name): loudness, alpha ratio,
 * Hammarberg index, spectral slopes, spectral flux, MFCCs, frame energy and LPC formants.
 */
import { RealFft } from "./real_fft.ts";
import { MelFilterbank } from "./mel_filterbank.ts";
import { type Formants, LpcFormantTracker } from "./lpc_formants.ts";

/** Frame length of the short analysis, in samples at 16 kHz (20 ms). */
export const SHORT_FRAME_SAMPLES = 320;
const FFT_SIZE = 512;
const N_MFCC = 12;
const CEP_LIFTER = 22;
const LOG_FLOOR = 1e-8;
/** HTK scales samples to 16-bit range before the MFCC filterbank (openSMILE htkcompatible=1). */
const HTK_SCALE = 32768 * 32768;
/** Pre-emphasis of the textbook formant tracker (Praat and HTK use 0.97). */
const TEXTBOOK_PRE_EMPHASIS = 0.97;

/** Results of one short frame; arrays are reused between frames. */
export interface ShortFrameResult {
  loudness: number;
  alphaRatio: number;
  hammarberg: number;
  slope0500: number;
  slope5001500: number;
  flux: number;
  energy: number;
  /** MFCC 1..12 (index 0 is mfcc1). */
  mfcc: Float64Array;
  formants: Formants;
  /** Textbook LPC formants (pre-emphasis 0.97, roots of A(z)): an extra beside eGeMAPS's. */
  lpcFormants: Formants;
}

/** Equal-loudness weight of PLP at `hz` (Hermansky 1990, eq. 5; openSMILE cPlp doAud). */
function equalLoudness(hz: number): number {
  const w2 = (2 * Math.PI * hz) ** 2;
  return ((w2 + 56.8e6) * w2 * w2) / ((w2 + 6.3e6) ** 2 * (w2 + 0.38e9));
}

/** Band index range [lo, hi] of a frequency range for a bin width. */
function bins(loHz: number, hiHz: number, binHz: number): [number, number] {
  return [Math.ceil(loHz / binHz), Math.floor(hiHz / binHz)];
}

/** Analyses 20 ms frames; keeps the previous spectrum for the flux and LPC roots between calls. */
export class ShortFrameAnalyzer {
  #fft = new RealFft(FFT_SIZE);
  #window = new Float64Array(SHORT_FRAME_SAMPLES);
  #input = new Float64Array(FFT_SIZE);
  #power = new Float64Array(FFT_SIZE / 2 + 1);
  #prevNorm = new Float64Array(FFT_SIZE / 2 + 1);
  #curNorm = new Float64Array(FFT_SIZE / 2 + 1);
  #hasPrev = false;
  #mel: MelFilterbank;
  #melOut: Float64Array;
  #eql: Float64Array;
  #dct: Float64Array;
  #lpc: LpcFormantTracker;
  #lpcTextbook: LpcFormantTracker;
  #binHz: number;
  #alphaLo: [number, number];
  #alphaHi: [number, number];
  #hamLo: [number, number];
  #hamHi: [number, number];
  #s1: [number, number];
  #s2: [number, number];
  #fluxBins: number;
  readonly result: ShortFrameResult = {
    loudness: 0,
    alphaRatio: 0,
    hammarberg: 0,
    slope0500: 0,
    slope5001500: 0,
    flux: 0,
    energy: 0,
    mfcc: new Float64Array(N_MFCC),
    formants: { freq: new Float64Array(3), bandwidth: new Float64Array(3) },
    lpcFormants: { freq: new Float64Array(3), bandwidth: new Float64Array(3) },
  };

  constructor(sampleRate = 16000) {
    if (sampleRate !== 16000) throw new RangeError("ShortFrameAnalyzer expects 16 kHz audio");
    for (let i = 0; i < SHORT_FRAME_SAMPLES; i++) {
      this.#window[i] = 0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (SHORT_FRAME_SAMPLES - 1));
    }
    this.#mel = new MelFilterbank(FFT_SIZE, sampleRate);
    this.#melOut = new Float64Array(this.#mel.bands);
    this.#eql = this.#mel.centersHz.map(equalLoudness);
    const nb = this.#mel.bands;
    this.#dct = new Float64Array(N_MFCC * nb);
    for (let i = 1; i <= N_MFCC; i++) {
      const lift = 1 + (CEP_LIFTER / 2) * Math.sin((Math.PI * i) / CEP_LIFTER);
      for (let j = 0; j < nb; j++) {
        this.#dct[(i - 1) * nb + j] = lift * Math.sqrt(2 / nb) * Math.cos((Math.PI * i * (j + 0.5)) / nb);
      }
    }
    this.#lpc = new LpcFormantTracker(FFT_SIZE, sampleRate);
    this.#lpcTextbook = new LpcFormantTracker(FFT_SIZE, sampleRate, TEXTBOOK_PRE_EMPHASIS, "textbook");
    const binHz = (this.#binHz = sampleRate / FFT_SIZE);
    // Band limits from Eyben et al. 2016 (alpha ratio 50–1000 vs 1–5 kHz; Hammarberg 0–2 vs 2–5 kHz)
    this.#alphaLo = bins(50, 1000, binHz);
    this.#alphaHi = bins(1000, 5000, binHz);
    this.#hamLo = bins(0, 2000, binHz);
    this.#hamHi = bins(2000, 5000, binHz);
    this.#s1 = bins(0, 500, binHz);
    this.#s2 = bins(500, 1500, binHz);
    this.#fluxBins = Math.floor(5000 / binHz);
  }

  /** The next frame has no predecessor (frames were passed over): its flux is 0, as at the start. */
  forgetPrevious(): void {
    this.#hasPrev = false;
  }

  /**
   * Analyses the frame starting at `offset` in `samples` (needs 320 samples). Without
   * `formants` (an unvoiced frame: every formant functional is over voiced frames only) the LPC
   * formants are not estimated and read 0.
   */
  analyze(samples: Float32Array, offset: number, formants = true): ShortFrameResult {
    const x = this.#input, res = this.result, p = this.#power;
    let energy = 0;
    for (let i = 0; i < SHORT_FRAME_SAMPLES; i++) {
      const s = samples[offset + i];
      energy += s * s;
      x[i] = s * this.#window[i];
    }
    res.energy = energy / SHORT_FRAME_SAMPLES;
    this.#fft.power(x, p, SHORT_FRAME_SAMPLES);

    // Loudness: auditory spectrum = (equal-loudness · mel power)^0.33, summed (openSMILE cPlp + ll1)
    this.#mel.apply(p, this.#melOut);
    let loud = 0;
    for (let b = 0; b < this.#mel.bands; b++) loud += Math.pow(this.#eql[b] * this.#melOut[b], 0.33);
    res.loudness = loud;

    // MFCC (HTK: log mel power of 16-bit scaled samples, DCT-II, lifter 22)
    const nb = this.#mel.bands;
    for (let b = 0; b < nb; b++) this.#melOut[b] = Math.log(Math.max(this.#melOut[b] * HTK_SCALE, LOG_FLOOR));
    for (let i = 0; i < N_MFCC; i++) {
      let c = 0;
      for (let j = 0; j < nb; j++) c += this.#dct[i * nb + j] * this.#melOut[j];
      res.mfcc[i] = c;
    }

    // openSMILE's sign convention (measured against its output): 10·log10(E(1–5 kHz) / E(50–1000 Hz)), band sums
    res.alphaRatio = 10 * Math.log10(bandSum(p, this.#alphaHi) / bandSum(p, this.#alphaLo));
    res.hammarberg = 10 * Math.log10(bandMax(p, this.#hamLo) / bandMax(p, this.#hamHi));
    res.slope0500 = logSlope(p, this.#s1, this.#binHz);
    res.slope5001500 = logSlope(p, this.#s2, this.#binHz);
    if (!Number.isFinite(res.alphaRatio)) res.alphaRatio = 0;
    if (!Number.isFinite(res.hammarberg)) res.hammarberg = 0;

    // Spectral flux: squared difference of consecutive magnitude spectra, 0–5 kHz. Of the
    // normalisations tried, the unnormalised magnitude tracked openSMILE's output best (docs/voice.md).
    let flux = 0;
    for (let k = 0; k <= this.#fluxBins; k++) {
      const v = Math.sqrt(p[k]);
      this.#curNorm[k] = v;
      if (this.#hasPrev) flux += (v - this.#prevNorm[k]) ** 2;
    }
    res.flux = flux;
    const t = this.#prevNorm;
    this.#prevNorm = this.#curNorm;
    this.#curNorm = t;
    this.#hasPrev = true;

    if (formants) {
      this.#lpc.analyze(p, res.formants);
      this.#lpcTextbook.analyze(p, res.lpcFormants);
    } else {
      for (const f of [res.formants, res.lpcFormants]) (f.freq.fill(0), f.bandwidth.fill(0));
    }
    return res;
  }
}

/** Summed power over bins [lo, hi]. */
function bandSum(p: Float64Array, [lo, hi]: [number, number]): number {
  let s = 0;
  for (let k = lo; k <= hi; k++) s += p[k];
  return s + 1e-30;
}

function bandMax(p: Float64Array, [lo, hi]: [number, number]): number {
  let m = 0;
  for (let k = lo; k <= hi; k++) if (p[k] > m) m = p[k];
  return m + 1e-30;
}

/** Least-squares slope of the dB power spectrum over a band, in dB/Hz. */
function logSlope(p: Float64Array, [lo, hi]: [number, number], binHz: number): number {
  const n = hi - lo + 1;
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let k = lo; k <= hi; k++) {
    const x = k * binHz, y = 10 * Math.log10(p[k] + 1e-20);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const den = n * sxx - sx * sx;
  return den > 0 ? (n * sxy - sx * sy) / den : 0;
}
