/**
 * Names of the utterance-level feature vector: the 88 eGeMAPS v02 functionals in openSMILE's
 * order (Eyben et al. 2016, Section 3.2), then this project's extra statistics.
 */
import { EGEMAPS_LLD_NAMES, EXTRA_LLD_NAMES } from "./lld_names.ts";

const F0 = "F0semitoneFrom27.5Hz_sma3nz";
const TEN = [
  "amean",
  "stddevNorm",
  "percentile20.0",
  "percentile50.0",
  "percentile80.0",
  "pctlrange0-2",
  "meanRisingSlope",
  "stddevRisingSlope",
  "meanFallingSlope",
  "stddevFallingSlope",
];
const MS = ["amean", "stddevNorm"];
/** eGeMAPS LLDs summarised over voiced frames only (sma3nz), in functional order. */
export const VOICED_LLDS = EGEMAPS_LLD_NAMES.slice(EGEMAPS_LLD_NAMES.indexOf("jitterLocal"));

/** The 88 eGeMAPS v02 functional names, exactly as openSMILE's CSV header spells them. */
export const EGEMAPS_FUNCTIONAL_NAMES: readonly string[] = [
  ...TEN.map((f) => `${F0}_${f}`),
  ...TEN.map((f) => `loudness_sma3_${f}`),
  ...MS.map((f) => `spectralFlux_sma3_${f}`),
  ...[1, 2, 3, 4].flatMap((i) => MS.map((f) => `mfcc${i}_sma3_${f}`)),
  ...VOICED_LLDS.flatMap((n) => MS.map((f) => `${n}_sma3nz_${f}`)),
  ...[
    "alphaRatioV",
    "hammarbergIndexV",
    "slopeV0-500",
    "slopeV500-1500",
    "spectralFluxV",
    "mfcc1V",
    "mfcc2V",
    "mfcc3V",
    "mfcc4V",
  ]
    .flatMap((n) => MS.map((f) => `${n}_sma3nz_${f}`)),
  ...["alphaRatioUV", "hammarbergIndexUV", "slopeUV0-500", "slopeUV500-1500", "spectralFluxUV"].map((n) =>
    `${n}_sma3nz_amean`
  ),
  "loudnessPeaksPerSec",
  "VoicedSegmentsPerSec",
  "MeanVoicedSegmentLengthSec",
  "StddevVoicedSegmentLengthSec",
  "MeanUnvoicedSegmentLength",
  "StddevUnvoicedSegmentLength",
  "equivalentSoundLevel_dBp",
];

/** The textbook voice-quality LLDs (stored after MFCC 5–12), summarised over voiced frames. */
export const TEXTBOOK_LLD_NAMES: readonly string[] = EXTRA_LLD_NAMES.slice(EXTRA_LLD_NAMES.indexOf("F1frequencyLpc"));

/** LLDs whose frame-to-frame change is summarised (standard deviation of the first difference). */
export const DELTA_LLD_NAMES: readonly string[] = [
  "Loudness",
  ...Array.from({ length: 12 }, (_, i) => `mfcc${i + 1}`),
];

/**
 * Extra statistics: mean and standard deviation of MFCC 5–12 (sma3) over all frames; mean and
 * coefficient of variation of the textbook voice-quality LLDs over voiced frames; the standard
 * deviation of the first difference of loudness and MFCC 1–12; the mean absolute F0 change
 * between consecutive voiced frames (semitones per frame).
 */
export const EXTRA_FUNCTIONAL_NAMES: readonly string[] = [
  ...[5, 6, 7, 8, 9, 10, 11, 12].flatMap((i) => [`mfcc${i}_sma3_amean`, `mfcc${i}_sma3_stddev`]),
  ...TEXTBOOK_LLD_NAMES.flatMap((n) => [`${n}_sma3nz_amean`, `${n}_sma3nz_stddevNorm`]),
  ...DELTA_LLD_NAMES.map((n) => `${n}_sma3_de_stddev`),
  "F0semitoneFrom27.5Hz_sma3nz_de_meanAbs",
];

/** Every feature, in vector order. */
export const FEATURE_NAMES: readonly string[] = [...EGEMAPS_FUNCTIONAL_NAMES, ...EXTRA_FUNCTIONAL_NAMES];

/** Length of the feature vector. */
export const FEATURE_COUNT = FEATURE_NAMES.length;

/** Number of eGeMAPS functionals (88). */
export const EGEMAPS_FUNCTIONAL_COUNT = EGEMAPS_FUNCTIONAL_NAMES.length;
