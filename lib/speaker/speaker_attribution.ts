/**
 * Who is speaking: an utterance of the mixed audio is attributed to the face whose mouth moves
 * with it. Per face, mouth opening (MediaPipe blendshapes jawOpen + mean mouthLowerDown) at each
 * video frame is correlated (Pearson) with the audio envelope (RMS over the frame's interval)
 * over the utterance (± `marginMs`), both detrended by removing their ±`detrendMs` moving
 * average: two people uttering sentences of the same shape both open their mouths over the
 * whole sentence, so it is the syllable-rate movement (3–6 Hz) that tells them apart.
 * Audio-visual synchrony of this kind is the classic active-speaker cue (Hershey & Movellan 2000;
 * Chung & Zisserman 2016 learn it). Variants (log envelope, first differences, lag search) were
 * compared on three GRID composite pairs; this one separated all six, lag search hurt
 * (docs/asr.md); the measured accuracy is on other pairs.
 *
 * Fallbacks, in order, when correlation cannot decide (best r below `minCorrelation`, or too few
 * frames): the face whose mouth moves most (std of opening ≥ `minMotion`), then the previous
 * speaker, then the largest face. Pure: numbers in, a decision out.
 */

/** One face's mouth over time. */
export interface MouthTrack {
  faceId: number;
  /** Frame times, ms (ascending). */
  timesMs: number[];
  /** Mouth opening per frame in [0, ~2]; NaN where the face was not found. */
  opening: number[];
  /** Mean box area over the span (for the last fallback). */
  area: number;
}

/** Options for {@linkcode attributeSpeaker}. */
export interface AttributionOptions {
  /** Least correlation that decides; default 0.1 (at 0.2 a correct best of 0.18 on a selection pair fell to the weaker motion fallback). */
  minCorrelation?: number;
  /** Least std of mouth opening counted as moving; default 0.03. */
  minMotion?: number;
  /** Least frames with a face in the span for correlation; default 5. */
  minFrames?: number;
  /** Lags tried, in frames either way; default 0 (a lag search picked the wrong face more often). */
  maxLagFrames?: number;
  /** Half-width of the moving average removed from both signals, in ms; default 250. */
  detrendMs?: number;
  /** Frames this far before and after the span count, in ms; default 200. */
  marginMs?: number;
}

/** The decision and the evidence for it. */
export interface Attribution {
  faceId: number;
  method: "correlation" | "motion" | "previous" | "largest";
  /** Best correlation per face id. */
  correlation: Record<number, number>;
  /** Std of mouth opening per face id. */
  motion: Record<number, number>;
}

/** Mouth opening of a 52-blendshape vector (MediaPipe order: jawOpen 25, mouthLowerDown 34/35). */
export function mouthOpening(blendshapes: ArrayLike<number>): number {
  return blendshapes[25] + (blendshapes[34] + blendshapes[35]) / 2;
}

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  if (n < 2) return 0;
  const ma = a.reduce((x, y) => x + y, 0) / n, mb = b.reduce((x, y) => x + y, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) sab += (a[i] - ma) * (b[i] - mb), saa += (a[i] - ma) ** 2, sbb += (b[i] - mb) ** 2;
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/** x minus its moving average over ±w samples. */
export function detrend(x: readonly number[], w: number): number[] {
  return x.map((v, i) => {
    const a = Math.max(0, i - w), b = Math.min(x.length, i + w + 1);
    let s = 0;
    for (let k = a; k < b; k++) s += x[k];
    return v - s / (b - a);
  });
}

function std(a: number[]): number {
  if (a.length < 2) return 0;
  const m = a.reduce((x, y) => x + y, 0) / a.length;
  return Math.sqrt(a.reduce((x, y) => x + (y - m) ** 2, 0) / a.length);
}

/**
 * RMS envelope of 16 kHz audio at the given times: each value is the RMS over ±halfWindowMs
 * around the time.
 */
export function envelopeAt(pcm16k: Float32Array, timesMs: readonly number[], halfWindowMs: number): number[] {
  return timesMs.map((t) => {
    const a = Math.max(0, Math.floor((t - halfWindowMs) * 16)),
      b = Math.min(pcm16k.length, Math.ceil((t + halfWindowMs) * 16));
    let s = 0;
    for (let i = a; i < b; i++) s += pcm16k[i] * pcm16k[i];
    return Math.sqrt(s / Math.max(1, b - a));
  });
}

/**
 * Attributes the span [startMs, endMs) to one of `faces`. `envelope(times)` gives the audio
 * envelope at frame times (e.g. {@linkcode envelopeAt} bound to the recording).
 */
export function attributeSpeaker(
  faces: readonly MouthTrack[],
  span: { startMs: number; endMs: number },
  envelope: (timesMs: number[]) => number[],
  previous: number | undefined,
  options: AttributionOptions = {},
): Attribution | null {
  if (faces.length === 0) return null;
  const minR = options.minCorrelation ?? 0.1, minMotion = options.minMotion ?? 0.03;
  const minFrames = options.minFrames ?? 5, maxLag = options.maxLagFrames ?? 0;
  const detrendMs = options.detrendMs ?? 250, marginMs = options.marginMs ?? 200;
  const correlation: Record<number, number> = {}, motion: Record<number, number> = {};
  for (const f of faces) {
    const idx = f.timesMs.map((_, i) => i).filter((i) =>
      f.timesMs[i] >= span.startMs - marginMs && f.timesMs[i] < span.endMs + marginMs
    );
    const frameMs = f.timesMs.length > 1
      ? (f.timesMs[f.timesMs.length - 1] - f.timesMs[0]) / (f.timesMs.length - 1)
      : 100;
    const w = Math.max(1, Math.round(detrendMs / frameMs));
    const seen = idx.filter((i) => Number.isFinite(f.opening[i]));
    motion[f.faceId] = std(seen.map((i) => f.opening[i]));
    if (seen.length < minFrames) continue;
    let best = -1;
    for (let lag = -maxLag; lag <= maxLag; lag++) {
      // The mouth at frame i is compared with the sound `lag` frames later.
      const pairs = seen.map((i) => [i, i + lag] as const).filter(([, j]) => j >= 0 && j < f.timesMs.length);
      if (pairs.length < minFrames) continue;
      const env = envelope(pairs.map(([, j]) => f.timesMs[j]));
      best = Math.max(best, pearson(detrend(pairs.map(([i]) => f.opening[i]), w), detrend(env, w)));
    }
    correlation[f.faceId] = best;
  }
  const byR = Object.entries(correlation).sort((a, b) => b[1] - a[1]);
  if (byR.length && byR[0][1] >= minR) return { faceId: Number(byR[0][0]), method: "correlation", correlation, motion };
  const byMotion = Object.entries(motion).sort((a, b) => b[1] - a[1]);
  if (byMotion.length && byMotion[0][1] >= minMotion) {
    return { faceId: Number(byMotion[0][0]), method: "motion", correlation, motion };
  }
  if (previous !== undefined && faces.some((f) => f.faceId === previous)) {
    return { faceId: previous, method: "previous", correlation, motion };
  }
  const largest = [...faces].sort((a, b) => b.area - a.area)[0];
  return { faceId: largest.faceId, method: "largest", correlation, motion };
}
