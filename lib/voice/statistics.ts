/**
 * Building blocks of the functionals: 3-frame smoothing, moments, percentiles by selection
 * and openSMILE-style rising/falling slopes between turning points. All O(n) in the number
 * of frames (percentiles use expected-linear quickselect).
 */

/**
 * 3-frame centred moving average (openSMILE cContourSmoother, smaWin=3). With `skipZeros`
 * (noZeroSma) zeros stay zero and are left out of their neighbours' averages.
 */
export function smooth3(x: Float64Array, skipZeros: boolean, out = new Float64Array(x.length)): Float64Array {
  const n = x.length;
  for (let i = 0; i < n; i++) {
    if (skipZeros && x[i] === 0) {
      out[i] = 0;
      continue;
    }
    let s = x[i], c = 1;
    if (i > 0 && !(skipZeros && x[i - 1] === 0)) (s += x[i - 1]), c++;
    if (i < n - 1 && !(skipZeros && x[i + 1] === 0)) (s += x[i + 1]), c++;
    out[i] = s / c;
  }
  return out;
}

/** Copies the non-zero values of `x` (openSMILE nonZeroFuncts). */
export function nonZero(x: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== 0) n++;
  const out = new Float64Array(n);
  n = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== 0) out[n++] = x[i];
  return out;
}

/** Arithmetic mean; 0 for an empty array. */
export function mean(x: Float64Array): number {
  if (x.length === 0) return 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

/** Population standard deviation; 0 for fewer than 2 values. */
export function stddev(x: Float64Array, m = mean(x)): number {
  if (x.length < 2) return 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - m) ** 2;
  return Math.sqrt(s / x.length);
}

/** Coefficient of variation σ/μ (openSMILE stddevNorm, signed); 0 when μ is 0. */
export function stddevNorm(x: Float64Array): number {
  const m = mean(x);
  return m === 0 ? 0 : stddev(x, m) / m;
}

function select(a: Float64Array, k: number, lo: number, hi: number): number {
  while (hi > lo) {
    const pivot = a[(lo + hi) >>> 1];
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/**
 * Percentiles with linear interpolation between order statistics at p·(n−1) (openSMILE
 * Percentiles.interp=1). `ps` must be ascending; `x` is reordered in place.
 */
export function percentiles(x: Float64Array, ps: readonly number[]): number[] {
  const n = x.length;
  if (n === 0) return ps.map(() => 0);
  return ps.map((p) => {
    const pos = p * (n - 1);
    const k = Math.floor(pos), frac = pos - k;
    const a = select(x, k, 0, n - 1);
    if (frac === 0 || k + 1 >= n) return a;
    // after selection every element right of k is ≥ a[k]; the next order statistic is their minimum
    let b = Infinity;
    for (let i = k + 1; i < n; i++) if (x[i] < b) b = x[i];
    return a + frac * (b - a);
  });
}

/** Rising/falling slope statistics and peak count of a contour. */
export interface SlopeStats {
  meanRising: number;
  stddevRising: number;
  meanFalling: number;
  stddevFalling: number;
  peaks: number;
}

/**
 * Turning points found with a hysteresis of `relThresh`·range (openSMILE Peaks2 relThresh),
 * then slopes between consecutive minimum→maximum (rising) and maximum→minimum (falling)
 * pairs, in units per second for frames `frameSec` apart. Falling slopes are reported as
 * positive magnitudes.
 */
export function slopeStats(x: Float64Array, frameSec: number, relThresh = 0.1): SlopeStats {
  const res: SlopeStats = { meanRising: 0, stddevRising: 0, meanFalling: 0, stddevFalling: 0, peaks: 0 };
  const n = x.length;
  if (n < 3) return res;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) (lo = Math.min(lo, x[i])), (hi = Math.max(hi, x[i]));
  const thr = relThresh * (hi - lo);
  if (!(thr > 0)) return res;
  let rS = 0, rSS = 0, rN = 0, fS = 0, fSS = 0, fN = 0;
  // state: candidate extremum index; dir = +1 looking for a max, −1 for a min, 0 unknown
  let dir = 0, candMax = 0, candMin = 0, lastIdx = -1, lastVal = 0, lastWasMax = false;
  const confirm = (idx: number, isMax: boolean) => {
    if (isMax) res.peaks++;
    if (lastIdx >= 0 && idx > lastIdx) {
      const slope = Math.abs(x[idx] - lastVal) / ((idx - lastIdx) * frameSec);
      if (isMax && !lastWasMax) (rS += slope), (rSS += slope * slope), rN++;
      if (!isMax && lastWasMax) (fS += slope), (fSS += slope * slope), fN++;
    }
    lastIdx = idx;
    lastVal = x[idx];
    lastWasMax = isMax;
  };
  for (let i = 1; i < n; i++) {
    if (x[i] > x[candMax]) candMax = i;
    if (x[i] < x[candMin]) candMin = i;
    if (dir >= 0 && x[candMax] - x[i] >= thr) {
      if (dir === 0 && candMin < candMax) confirm(candMin, false);
      confirm(candMax, true);
      dir = -1;
      candMin = i;
    } else if (dir <= 0 && x[i] - x[candMin] >= thr) {
      if (dir === 0 && candMax < candMin) confirm(candMax, true);
      confirm(candMin, false);
      dir = 1;
      candMax = i;
    }
  }
  if (rN) (res.meanRising = rS / rN), (res.stddevRising = Math.sqrt(Math.max(0, rSS / rN - res.meanRising ** 2)));
  if (fN) (res.meanFalling = fS / fN), (res.stddevFalling = Math.sqrt(Math.max(0, fSS / fN - res.meanFalling ** 2)));
  return res;
}

/** Rising/falling slope statistics of a contour, per second. */
export interface Peaks2Slopes {
  meanRising: number;
  stddevRising: number;
  meanFalling: number;
  stddevFalling: number;
}

/**
 * Slopes between the contour's salient extrema as openSMILE's cFunctionalPeaks2 defines them
 * (eGeMAPS v02: relThresh 0.1, times in seconds). Extrema are the strict local maxima/minima
 * at positions 2..n−3, pruned with the threshold θ = `relThresh`·(max − min): (a) a maximum
 * less than θ from the previous extremum is dropped if it is also less than θ above the last
 * kept minimum, otherwise it replaces the last kept maximum when more than 5 % higher, and is
 * kept after a minimum, dropped otherwise; (b) a minimum less than θ below the last maximum is
 * dropped; (c) of consecutive maxima (minima) only the highest (lowest) stays. The contour's
 * first value acts as both a maximum and a minimum at position 0. A falling slope is
 * (max − following min)/Δt, a rising slope (max − preceding min)/Δt; the stretch after the
 * last extremum adds (last value − that extremum)/Δt to the other kind (so it may be
 * negative); with no extrema, (last − first)/n goes to one kind by its sign. The standard
 * deviations cover the slopes between extrema but divide by the count including that final
 * stretch, as openSMILE does.
 */
export function peaks2Slopes(x: Float64Array, frameSec: number, relThresh = 0.1): Peaks2Slopes {
  const res: Peaks2Slopes = { meanRising: 0, stddevRising: 0, meanFalling: 0, stddevFalling: 0 };
  const n = x.length;
  if (n === 0) return res;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) (lo = Math.min(lo, x[i])), (hi = Math.max(hi, x[i]));
  const thr = relThresh * (hi - lo);
  // candidate extrema: position, and whether it is a maximum
  let pos: number[] = [], isMax: boolean[] = [];
  for (let i = 2; i < n - 2; i++) {
    if (x[i] > x[i - 1] && x[i] > x[i + 1]) (pos.push(i), isMax.push(true));
    else if (x[i] < x[i - 1] && x[i] < x[i + 1]) (pos.push(i), isMax.push(false));
  }
  let keep = new Array<boolean>(pos.length).fill(true);
  const compact = () => {
    const p2: number[] = [], m2: boolean[] = [];
    for (let k = 0; k < pos.length; k++) if (keep[k]) (p2.push(pos[k]), m2.push(isMax[k]));
    pos = p2;
    isMax = m2;
    keep = new Array<boolean>(pos.length).fill(true);
  };
  // (a) minimum rise and fall
  {
    let lastVal = x[0], lastMin = x[0], lastMax = x[0], minFlag = false, lastMaxK = -1;
    for (let k = 0; k < pos.length; k++) {
      const y = x[pos[k]];
      if (isMax[k]) {
        if (Math.abs(y - lastVal) < thr) {
          if (y - lastMin < thr) keep[k] = false;
          else {
            if (y > lastMax * 1.05) {
              if (lastMaxK >= 0) keep[lastMaxK] = false;
              lastMax = y;
              lastMaxK = k;
            } else if (minFlag) {
              lastMax = y;
              lastMaxK = k;
            } else keep[k] = false;
            minFlag = false;
          }
        } else {
          minFlag = false;
          lastMax = y;
          lastMaxK = k;
        }
      } else if (!(Math.abs(y - lastVal) < thr)) {
        minFlag = true;
        lastMin = y;
      }
      lastVal = y;
    }
    compact();
  }
  // (b) small minima
  {
    let lastMax = x[0];
    for (let k = 0; k < pos.length; k++) {
      if (!isMax[k]) {
        if (lastMax - x[pos[k]] < thr) keep[k] = false;
      } else lastMax = x[pos[k]];
    }
    compact();
  }
  // (c) alternation
  {
    let lastMax = x[0], lastMin = x[0], minFlag = false, init = true, lastMaxK = -1, lastMinK = -1;
    for (let k = 0; k < pos.length; k++) {
      const y = x[pos[k]];
      if (!isMax[k]) {
        if (!minFlag || init) {
          lastMin = y;
          lastMinK = k;
          minFlag = true;
          init = false;
        } else if (y >= lastMin) keep[k] = false;
        else {
          keep[lastMinK] = false;
          lastMinK = k;
          lastMin = y;
        }
      } else {
        if (minFlag || init) {
          lastMax = y;
          lastMaxK = k;
          minFlag = false;
          init = false;
        } else if (y <= lastMax) keep[k] = false;
        else {
          keep[lastMaxK] = false;
          lastMaxK = k;
          lastMax = y;
        }
      }
    }
    compact();
  }
  // slopes, the first value standing in for the extremum before the first one
  const rising: number[] = [], falling: number[] = [];
  let lastMax = x[0], lastMaxPos = 0, lastMin = x[0], lastMinPos = 0, lastIsMax = -1;
  for (let k = 0; k < pos.length; k++) {
    if (!isMax[k]) {
      lastMin = x[pos[k]];
      lastMinPos = pos[k];
      if (lastMinPos - lastMaxPos > 0) {
        falling.push((lastMax - lastMin) / ((lastMinPos - lastMaxPos) * frameSec));
        lastIsMax = 0;
      }
    } else {
      lastMax = x[pos[k]];
      lastMaxPos = pos[k];
      if (lastMaxPos - lastMinPos > 0) {
        rising.push((lastMax - lastMin) / ((lastMaxPos - lastMinPos) * frameSec));
        lastIsMax = 1;
      }
    }
  }
  let endRising = 0, endFalling = 0, nEndRising = 0, nEndFalling = 0;
  if (lastIsMax === 1) {
    if (n - 1 - lastMaxPos > 0) {
      (endFalling = (x[n - 1] - lastMax) / ((n - 1 - lastMaxPos) * frameSec)), (nEndFalling = 1);
    }
  } else if (lastIsMax === 0) {
    if (n - 1 - lastMinPos > 0) {
      (endRising = (x[n - 1] - lastMin) / ((n - 1 - lastMinPos) * frameSec)), (nEndRising = 1);
    }
  } else {
    const slope = (x[n - 1] - x[0]) / n;
    if (slope > 0) (endRising = slope), (nEndRising = 1);
    else if (slope < 0) (endFalling = slope), (nEndFalling = 1);
  }
  const stats = (v: number[], end: number, nEnd: number): [number, number] => {
    const count = v.length + nEnd;
    if (count === 0) return [0, 0];
    let s = end;
    for (const a of v) s += a;
    const m = s / count;
    let ss = 0;
    for (const a of v) ss += (a - m) ** 2;
    return [m, Math.sqrt(ss / count)];
  };
  [res.meanRising, res.stddevRising] = stats(rising, endRising, nEndRising);
  [res.meanFalling, res.stddevFalling] = stats(falling, endFalling, nEndFalling);
  return res;
}

/** Lengths in frames of the runs of non-zero (`nonZeroRuns`) or zero values. */
export function runLengths(x: Float64Array, nonZeroRuns: boolean): number[] {
  const out: number[] = [];
  let run = 0;
  for (let i = 0; i < x.length; i++) {
    if ((x[i] !== 0) === nonZeroRuns) run++;
    else if (run > 0) (out.push(run), (run = 0));
  }
  if (run > 0) out.push(run);
  return out;
}
