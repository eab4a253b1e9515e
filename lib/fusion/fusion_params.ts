/**
 * Parameters of the reliability model behind {@linkcode fuse}: for each modality, how much its
 * log-probabilities count given how sure it is and how much of the utterance it saw.
 *
 *   w_m = exp(bias_m + certainty_m · (1 − u_m)) · min(1, coverage_m / reference_m) ^ γ_m
 *
 * u_m is the estimate's normalised entropy, coverage_m its coverage, reference_m the coverage of
 * an undamaged estimate (coverageReference), γ_m the coverage exponent (`coverage`). The weights are not
 * normalised before pooling, so their sum also acts as the fused distribution's inverse
 * temperature. The values shipped in fusion_params.json are fitted by
 * `deno run -A training/fusion/fit_fusion.ts` (NLL on label-matched combinations of the heads'
 * validation predictions, see docs/fusion.md); `fitted` records where they came from, and is
 * null for the unfitted default (every w_m = coverage_m: a coverage-weighted product of experts).
 */
import type { Modality } from "../modality/estimate.ts";
import shipped from "./fusion_params.json" with { type: "json" };

/** The reliability coefficients of one modality. */
export interface ModalityReliability {
  /** Log-weight at zero certainty and full coverage. */
  bias: number;
  /** Added log-weight per unit of certainty (1 − normalised entropy). */
  certainty: number;
  /** Exponent on relative coverage, ≥ 0: 0 ignores coverage, 1 scales the weight by it. */
  coverage: number;
  /**
   * Coverage of an undamaged estimate, in (0, 1]: coverage is divided by it (and capped at 1), so
   * a modality whose normal coverage is below 1 (voice: the voiced share of an utterance) is not
   * discounted for being normal. Measured as the median coverage of clean validation samples.
   * Default 1.
   */
  coverageReference?: number;
}

/** Where fitted parameters came from. */
export interface FusionProvenance {
  command: string;
  date: string;
  data: string;
  /** Any figures the fitter reports about the fit (held-out NLL, accuracy...). */
  [key: string]: unknown;
}

/** The fusion model's parameters. */
export interface FusionParams {
  version: 1;
  modalities: Record<Modality, ModalityReliability>;
  /**
   * Inverse temperature of the pool by the number of modalities present (index 0: one modality,
   * 1: two, 2: three), > 0: log p = s_n · Σ_m w_m log p_m − log Z. Lets one set of weights suit a
   * lone modality (which should stay as calibrated as its head) and a combination. Default 1s.
   */
  sharpness?: number[];
  /** Null for the unfitted default. */
  fitted: FusionProvenance | null;
  /**
   * P(sentiment | emotion): row k is the sentiment distribution (SENTIMENTS order) of emotion k,
   * counted from a corpus labelled with both (MELD train); `source` says which.
   */
  emotionSentiment: { source: string; matrix: number[][] };
}

/** Raised when fusion parameters are malformed. */
export class FusionParamsError extends Error {
  readonly recoverable = false;
  constructor(message: string) {
    super(message);
    this.name = "FusionParamsError";
  }
}

/**
 * MELD train's emotion × sentiment counts, row-normalised (9,989 utterances: every class maps to
 * one sentiment except surprise, 614 negative / 591 positive).
 */
const DEFAULT_EMOTION_SENTIMENT = {
  source: "MELD train emotion × sentiment counts (neutral 4710/0/0 → neutral; surprise 614 neg, 591 pos)",
  matrix: [
    [0, 1, 0],
    [0, 0, 1],
    [1, 0, 0],
    [1, 0, 0],
    [1, 0, 0],
    [1, 0, 0],
    [0.5095, 0, 0.4905],
  ],
};

/** The unfitted default: weight = coverage for every modality. */
export const UNFITTED_FUSION_PARAMS: FusionParams = {
  version: 1,
  modalities: {
    voice: { bias: 0, certainty: 0, coverage: 1 },
    face: { bias: 0, certainty: 0, coverage: 1 },
    text: { bias: 0, certainty: 0, coverage: 1 },
  },
  fitted: null,
  emotionSentiment: DEFAULT_EMOTION_SENTIMENT,
};

/** Checks a parsed parameter object; throws FusionParamsError when it is malformed. */
export function validateFusionParams(v: unknown): FusionParams {
  const o = v as FusionParams;
  if (typeof o !== "object" || o === null || o.version !== 1) {
    throw new FusionParamsError("fusion params: version must be 1");
  }
  for (const m of ["voice", "face", "text"] as const) {
    const r = o.modalities?.[m];
    if (!r) throw new FusionParamsError(`fusion params: no entry for ${m}`);
    for (const k of ["bias", "certainty", "coverage"] as const) {
      if (typeof r[k] !== "number" || !Number.isFinite(r[k])) {
        throw new FusionParamsError(`fusion params: ${m}.${k} must be a finite number`);
      }
    }
    if (r.coverage < 0) throw new FusionParamsError(`fusion params: ${m}.coverage must be ≥ 0`);
    const ref = r.coverageReference ?? 1;
    if (!(ref > 0 && ref <= 1)) throw new FusionParamsError(`fusion params: ${m}.coverageReference must be in (0, 1]`);
  }
  if (
    o.sharpness !== undefined &&
    (!Array.isArray(o.sharpness) || o.sharpness.length !== 3 || o.sharpness.some((x) => !(x > 0 && Number.isFinite(x))))
  ) {
    throw new FusionParamsError("fusion params: sharpness must be 3 positive numbers");
  }
  if (o.fitted !== null && typeof o.fitted !== "object") throw new FusionParamsError("fusion params: bad `fitted`");
  const es = o.emotionSentiment?.matrix;
  if (
    !Array.isArray(es) || es.length !== 7 ||
    es.some((row) => !Array.isArray(row) || row.length !== 3 || Math.abs(row.reduce((a, b) => a + b, 0) - 1) > 1e-3)
  ) {
    throw new FusionParamsError("fusion params: emotionSentiment.matrix must be 7 rows of 3 probabilities");
  }
  return o;
}

/** The parameters shipped with the code (lib/fusion/fusion_params.json). */
export const DEFAULT_FUSION_PARAMS: FusionParams = validateFusionParams(shipped);

/** Reads and validates a parameter file. */
export async function loadFusionParams(path: string): Promise<FusionParams> {
  return validateFusionParams(JSON.parse(await Deno.readTextFile(path)));
}
