/**
 * Emotion-shift detection for one participant: a pure state machine over the participant's
 * final fused estimates, one per utterance, in order.
 *
 * The tracker holds a *state* (a label and the utterances that support it). An utterance is
 * *evidence* of a new state when its label differs from the state's, its fused confidence is at
 * least `minConfidence`, and the total-variation distance between its distribution and the
 * state's is at least `minSize`. `persistence` consecutive pieces of evidence for the same label
 * (hysteresis: one confident flicker is not a shift) switch the state and emit a shift. Anything
 * else clears the pending evidence; an utterance agreeing with the state joins it.
 */
import { argmaxLabel, type Emotion, EMOTIONS, NUM_EMOTIONS } from "../emotion/labels.ts";
import type { Modality } from "../modality/estimate.ts";
import type { ShiftEvent } from "../protocol/events.ts";

/** The shift fields the tracker produces (the session adds `type` and `participantId`). */
export type ShiftEventBody = Omit<ShiftEvent, "type" | "participantId">;

/** One utterance's final fused estimate as the tracker sees it. */
export interface ShiftInput {
  utteranceId: string;
  startMs: number;
  endMs: number;
  /** Fused probabilities in EMOTIONS order. */
  probs: number[];
  /** Fused confidence (max probability), in [0, 1]. */
  confidence: number;
  /** Per-modality probabilities and fusion weights (for `drivenBy`). */
  modalities: Partial<Record<Modality, { probs: number[]; weight: number }>>;
}

/** Options for {@linkcode ShiftTracker}. Defaults were measured (docs/fusion.md, "Emotion shifts"). */
export interface ShiftTrackerOptions {
  /** Least fused confidence of an utterance for it to count as evidence of a new state, in [0, 1]. */
  minConfidence?: number;
  /** Least total-variation distance between the evidence and the current state, in [0, 1]. */
  minSize?: number;
  /** Consecutive utterances of evidence for one label needed to switch state (≥ 1). */
  persistence?: number;
  /** Most recent utterances of a state that form its distribution (≥ 1). */
  stateMemory?: number;
}

/**
 * Default options: the grid point with the highest mean shift F1 on MELD dev and on voice streams
 * of half the speakers, among those with at most 0.15 false shifts per unchanged utterance
 * (`deno run -A training/fusion/shift_eval.ts`, docs/fusion.md). Persistence does most of the
 * work: with text_emotion@2 and voice_emotion@3 the best point has no size or confidence threshold
 * and a one-utterance state memory (its mean tuning F1 is 0.002 above the earlier default of
 * minSize 0.1 over three utterances, which the previous models had preferred by as little).
 */
export const DEFAULT_SHIFT_OPTIONS: Required<ShiftTrackerOptions> = {
  minConfidence: 0,
  minSize: 0,
  persistence: 2,
  stateMemory: 1,
};

/** Total-variation distance ½·Σ|p − q|, in [0, 1]. */
export function totalVariation(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let d = 0;
  for (let k = 0; k < NUM_EMOTIONS; k++) d += Math.abs(p[k] - q[k]);
  return d / 2;
}

function meanProbs(us: readonly ShiftInput[]): number[] {
  const out = new Array<number>(NUM_EMOTIONS).fill(0);
  for (const u of us) for (let k = 0; k < NUM_EMOTIONS; k++) out[k] += u.probs[k] / us.length;
  return out;
}

/** Validates options and fills defaults; throws RangeError on a bad value. */
export function resolveShiftOptions(options: ShiftTrackerOptions = {}): Required<ShiftTrackerOptions> {
  const o = { ...DEFAULT_SHIFT_OPTIONS, ...options };
  if (!(o.minConfidence >= 0 && o.minConfidence <= 1)) throw new RangeError("minConfidence must be in [0, 1]");
  if (!(o.minSize >= 0 && o.minSize <= 1)) throw new RangeError("minSize must be in [0, 1]");
  if (!(Number.isInteger(o.persistence) && o.persistence >= 1)) {
    throw new RangeError("persistence must be an integer ≥ 1");
  }
  if (!(Number.isInteger(o.stateMemory) && o.stateMemory >= 1)) {
    throw new RangeError("stateMemory must be an integer ≥ 1");
  }
  return o;
}

/** One participant's emotional state across utterances. */
export class ShiftTracker {
  readonly options: Readonly<Required<ShiftTrackerOptions>>;
  #label: Emotion | null = null;
  #state: ShiftInput[] = [];
  #pending: ShiftInput[] = [];

  constructor(options: ShiftTrackerOptions = {}) {
    this.options = resolveShiftOptions(options);
  }

  /** The current state's label, or null before the first utterance. */
  get state(): Emotion | null {
    return this.#label;
  }

  /** Feeds the next final utterance; returns a shift when this utterance completes one. */
  update(u: ShiftInput): ShiftEventBody | null {
    if (u.probs.length !== NUM_EMOTIONS) throw new RangeError(`expected ${NUM_EMOTIONS} probabilities`);
    const label = argmaxLabel(u.probs);
    if (this.#label === null) {
      this.#label = label;
      this.#state = [u];
      return null;
    }
    const stateProbs = meanProbs(this.#state);
    const evidence = label !== this.#label && u.confidence >= this.options.minConfidence &&
      totalVariation(u.probs, stateProbs) >= this.options.minSize;
    if (!evidence) {
      this.#pending = [];
      if (label === this.#label) this.#remember(u);
      return null;
    }
    if (this.#pending.length > 0 && argmaxLabel(this.#pending[0].probs) !== label) this.#pending = [];
    this.#pending.push(u);
    if (this.#pending.length < this.options.persistence) return null;
    const next = this.#pending;
    const nextProbs = meanProbs(next);
    const from = this.#label, to = label;
    const shift: ShiftEventBody = {
      from,
      to,
      size: round4(totalVariation(stateProbs, nextProbs)),
      // The new state's mean probability of its label: how sure fusion is of where it went.
      confidence: round4(nextProbs[EMOTIONS.indexOf(to)]),
      fromUtteranceIds: this.#state.map((s) => s.utteranceId),
      toUtteranceIds: next.map((s) => s.utteranceId),
      drivenBy: drivers(next, EMOTIONS.indexOf(from), EMOTIONS.indexOf(to)),
      startMs: next[0].startMs,
      endMs: next[next.length - 1].endMs,
    };
    this.#label = to;
    this.#state = next.slice(-this.options.stateMemory);
    this.#pending = [];
    return shift;
  }

  /** Forgets the state (a new call, or the participant rejoined). */
  reset(): void {
    this.#label = null;
    this.#state = [];
    this.#pending = [];
  }

  #remember(u: ShiftInput): void {
    this.#state.push(u);
    if (this.#state.length > this.options.stateMemory) this.#state.shift();
  }
}

/**
 * Modalities that pushed towards the new label: each one's mean over the new utterances of
 * weight × (p_m(to) − p_m(from)), positive ones only, largest first. When none is positive (the
 * shift came from the fusion of individually weak opinions) the heaviest modality is named.
 */
function drivers(us: readonly ShiftInput[], from: number, to: number): Modality[] {
  const score = new Map<Modality, number>();
  const weight = new Map<Modality, number>();
  for (const u of us) {
    for (const [m, e] of Object.entries(u.modalities) as [Modality, { probs: number[]; weight: number }][]) {
      score.set(m, (score.get(m) ?? 0) + e.weight * (e.probs[to] - e.probs[from]) / us.length);
      weight.set(m, (weight.get(m) ?? 0) + e.weight);
    }
  }
  const positive = [...score.entries()].filter(([, s]) => s > 0).sort((a, b) => b[1] - a[1]).map(([m]) => m);
  if (positive.length > 0 || weight.size === 0) return positive;
  return [[...weight.entries()].sort((a, b) => b[1] - a[1])[0][0]];
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
