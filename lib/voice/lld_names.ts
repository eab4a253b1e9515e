/**
 * Names and layout of the per-frame low-level descriptors (LLDs). The first 25 are the
 * eGeMAPS v02 LLDs in openSMILE's CSV order (Eyben et al. 2016, Table 1); the rest are
 * extras this project computes on the same frames (frame energy for Leq, MFCC 5–12, and the
 * textbook voice-quality measures beside openSMILE's: LPC formants of A(z) with pre-emphasis, the
 * harmonic amplitudes near them, H1–H2 and H1–A3 from F0-guided harmonic peaks).
 */

/** The 25 eGeMAPS v02 LLD names, as openSMILE writes them (without the `_sma3`/`_sma3nz` suffix). */
export const EGEMAPS_LLD_NAMES = [
  "Loudness",
  "alphaRatio",
  "hammarbergIndex",
  "slope0-500",
  "slope500-1500",
  "spectralFlux",
  "mfcc1",
  "mfcc2",
  "mfcc3",
  "mfcc4",
  "F0semitoneFrom27.5Hz",
  "jitterLocal",
  "shimmerLocaldB",
  "HNRdBACF",
  "logRelF0-H1-H2",
  "logRelF0-H1-A3",
  "F1frequency",
  "F1bandwidth",
  "F1amplitudeLogRelF0",
  "F2frequency",
  "F2bandwidth",
  "F2amplitudeLogRelF0",
  "F3frequency",
  "F3bandwidth",
  "F3amplitudeLogRelF0",
] as const;

/** Extra per-frame values stored after the eGeMAPS LLDs. */
export const EXTRA_LLD_NAMES = [
  "energy", // mean square of the 20 ms frame (openSMILE cEnergy energy2), for the equivalent sound level
  "mfcc5",
  "mfcc6",
  "mfcc7",
  "mfcc8",
  "mfcc9",
  "mfcc10",
  "mfcc11",
  "mfcc12",
  "F1frequencyLpc",
  "F1bandwidthLpc",
  "F1amplitudeLogRelF0Lpc",
  "F2frequencyLpc",
  "F2bandwidthLpc",
  "F2amplitudeLogRelF0Lpc",
  "F3frequencyLpc",
  "F3bandwidthLpc",
  "F3amplitudeLogRelF0Lpc",
  "logRelF0-H1-H2Harmonic",
  "logRelF0-H1-A3Lpc",
] as const;

/** Every stored LLD, in storage order. */
export const LLD_NAMES: readonly string[] = [...EGEMAPS_LLD_NAMES, ...EXTRA_LLD_NAMES];

/** Number of values stored per frame. */
export const LLD_COUNT = LLD_NAMES.length;

/** Column index of each stored LLD. */
export const LLD = {
  loudness: 0,
  alphaRatio: 1,
  hammarberg: 2,
  slope0500: 3,
  slope5001500: 4,
  flux: 5,
  mfcc1: 6,
  f0: 10,
  jitter: 11,
  shimmer: 12,
  hnr: 13,
  h1h2: 14,
  h1a3: 15,
  f1: 16,
  energy: 25,
  mfcc5: 26,
  f1Lpc: 34,
  h1h2Harmonic: 43,
  h1a3Lpc: 44,
} as const;

/** LLD hop, in ms (10 ms, as in eGeMAPS). */
export const HOP_MS = 10;

/** Sample rate the extractor expects, in Hz. */
export const SAMPLE_RATE = 16000;

/** Hop in samples at {@linkcode SAMPLE_RATE}. */
export const HOP_SAMPLES = 160;
