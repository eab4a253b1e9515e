/** Options of a participant's stream, with units and defaults. */
import { resolveSegmenterOptions, type VadSegmenterOptions } from "../segment/vad_segmenter.ts";
import type { ShiftTrackerOptions } from "../shift/shift_tracker.ts";

/** Options for {@linkcode ParticipantStream}; durations in ms. */
export interface ParticipantOptions {
  /** Utterance segmentation (see VadSegmenterOptions). */
  segmenter?: VadSegmenterOptions;
  /**
   * How far a participant's audio may run ahead of real time (wall clock since its first audio).
   * Audio beyond it is refused with a recoverable `rate_limited` error; the refused stretch still
   * advances the media clock, as silence, so face and transcript times (counted by the client)
   * stay aligned with the audio. Default 3000.
   */
  burstMs?: number;
  /** `rate_limited` refusals after which the socket is closed (policy violation). Default 200. */
  maxRateViolations?: number;
  /** Most face messages per second; extra ones are dropped with `rate_limited`. Default 30. */
  maxFacePerSecond?: number;
  /** Most transcript messages (interim and final) per second; extra ones are dropped with `rate_limited`. Default 10. */
  maxTranscriptsPerSecond?: number;
  /** Final transcript segments waiting for their audio at most; more are dropped with `rate_limited`. Default 64. */
  maxPendingSegments?: number;
  /**
   * How far a face frame's `timeMs` or a transcript's `endMs` may lie ahead of the participant's
   * clock (the media time its audio reached, or the wall-clock time since `hello` when that is
   * later). Further ones are refused with `bad_message`. Default 10000.
   */
  maxLeadMs?: number;
  /**
   * How long an utterance's final `emotion` waits for a final transcript once it ended, when the
   * participant sends transcripts. Later text is published as `emotion.update`. Default 2500.
   */
  textWaitMs?: number;
  /** Interval of face-only estimates while no utterance is open; 0 disables them. Default 2000. */
  faceWindowMs?: number;
  /** Utterances remembered for late transcripts. Default 64. */
  maxUtterances?: number;
  /**
   * Offline analysis of a recording (the `analyze` command): media may arrive faster than real
   * time, so the real-time rate limits are off and VAD runs each frame at once. Default false.
   */
  offline?: boolean;
  /** Emotion-shift detection (see lib/shift/shift_tracker.ts). */
  shift?: ShiftTrackerOptions;
}

/** Options with defaults filled in and checked. */
export type ResolvedParticipantOptions = Required<Omit<ParticipantOptions, "segmenter" | "shift">> & {
  shift?: ShiftTrackerOptions;
  segmenter: ReturnType<typeof resolveSegmenterOptions>;
};

/** Validates options; throws RangeError naming the bad one. */
export function resolveParticipantOptions(o: ParticipantOptions = {}): ResolvedParticipantOptions {
  const r: ResolvedParticipantOptions = {
    segmenter: resolveSegmenterOptions(o.segmenter),
    burstMs: o.burstMs ?? 3000,
    maxRateViolations: o.maxRateViolations ?? 200,
    maxFacePerSecond: o.maxFacePerSecond ?? 30,
    maxTranscriptsPerSecond: o.maxTranscriptsPerSecond ?? 10,
    maxPendingSegments: o.maxPendingSegments ?? 64,
    maxLeadMs: o.maxLeadMs ?? 10_000,
    textWaitMs: o.textWaitMs ?? 2500,
    faceWindowMs: o.faceWindowMs ?? 2000,
    maxUtterances: o.maxUtterances ?? 64,
    offline: o.offline ?? false,
    shift: o.shift,
  };
  if (!(r.burstMs >= 100)) throw new RangeError("burstMs must be ≥ 100");
  if (!(r.maxRateViolations >= 1)) throw new RangeError("maxRateViolations must be ≥ 1");
  if (!(r.maxFacePerSecond >= 1 && r.maxFacePerSecond <= 120)) throw new RangeError("maxFacePerSecond must be in [1, 120]");
  if (!(r.maxTranscriptsPerSecond >= 1 && r.maxTranscriptsPerSecond <= 1000)) {
    throw new RangeError("maxTranscriptsPerSecond must be in [1, 1000]");
  }
  if (!(r.maxPendingSegments >= 1)) throw new RangeError("maxPendingSegments must be ≥ 1");
  if (!(r.maxLeadMs >= 1000)) throw new RangeError("maxLeadMs must be ≥ 1000");
  if (!(r.textWaitMs >= 0 && r.textWaitMs <= 30_000)) throw new RangeError("textWaitMs must be in [0, 30000]");
  if (!(r.faceWindowMs === 0 || r.faceWindowMs >= 500)) throw new RangeError("faceWindowMs must be 0 or ≥ 500");
  if (!(r.maxUtterances >= 1)) throw new RangeError("maxUtterances must be ≥ 1");
  return r;
}
