/**
 * Events the server publishes on a session's event stream. Every event carries a `seq`
 * (strictly increasing per session), a `type`, the `participantId` it concerns (absent only
 * for session-wide events) and media times in ms on that participant's clock.
 */
import type { Emotion, Sentiment } from "../emotion/labels.ts";
import type { Modality } from "../modality/estimate.ts";
import type { ErrorCode } from "./errors.ts";

/** Fields every event has. */
export interface EventEnvelope {
  seq: number;
  sessionId: string;
  participantId?: string;
  /** Server wall-clock time of publication, ms since the Unix epoch. */
  wallMs: number;
}

/** A participant's ingest socket opened. */
export interface ParticipantJoinedEvent {
  type: "participant.joined";
  participantId: string;
  name?: string;
  audio?: { sampleRate: number; encoding: string; channels: number };
}

/** A participant's ingest socket closed (after `end` or a disconnect). */
export interface ParticipantLeftEvent {
  type: "participant.left";
  participantId: string;
  reason: "end" | "disconnect" | "error" | "consent_withdrawn" | "erased";
  /** Media time reached, in ms. */
  mediaMs: number;
}

/** Speech began. `startMs` includes the pre-roll padding. */
export interface UtteranceStartEvent {
  type: "utterance.start";
  participantId: string;
  utteranceId: string;
  startMs: number;
}

/** Acoustic summary of an utterance. */
export interface AcousticSummary {
  /** RMS level in dBFS over the utterance. */
  rmsDb: number;
  /** Peak absolute sample in dBFS. */
  peakDb: number;
  /** Mean Silero speech probability over its frames. */
  speechProbMean: number;
  /** Fraction of frames above the speech threshold. */
  speechRatio: number;
}

/** Speech ended (or was split at the maximum length, or the stream ended). */
export interface UtteranceEndEvent {
  type: "utterance.end";
  participantId: string;
  utteranceId: string;
  startMs: number;
  endMs: number;
  durationMs: number;
  /** `interrupted`: the server stopped (e.g. was killed) while the utterance was open; published on restore. */
  reason: "silence" | "max_length" | "end_of_stream" | "transcript" | "interrupted";
  acoustics?: AcousticSummary;
  /** Who spoke, in recordings with several people (`analyze FILE`; docs/asr.md). */
  speaker?: SpeakerRef;
}

/**
 * The person an utterance is attributed to: a tracked face (id stable over the recording, box
 * [x, y, w, h] normalised to the frame, mean over the span) or, with audio only, a voice.
 */
export type SpeakerRef = { faceId: number; box: [number, number, number, number] } | { voiceId: number };

/** Where an utterance's text came from when the server recognised it (docs/asr.md). */
export interface TranscriptSource {
  source: "asr";
  /** Reliability of the recognised text in [0, 1]; it scales the text estimate's coverage. */
  confidence: number;
  /** Recognised words with media-clock times and confidences. */
  words: { text: string; startMs: number; endMs: number; confidence: number }[];
  /** Recogniser name and version. */
  model: string;
}

/** One modality's contribution to an emotion estimate. */
export interface ModalityEntry {
  probs: number[];
  label: Emotion;
  confidence: number;
  uncertainty: number;
  valence: number;
  arousal: number;
  coverage: number;
  /** Weight of this modality in the fused estimate, in [0, 1]; weights sum to 1. */
  weight: number;
  model: string;
  sentiment?: Record<Sentiment, number>;
}

/** Version of the event schema; 2 made `missing` a list of `{modality, reason}` (docs/protocol.md). */
export const SCHEMA_VERSION = 2;

/**
 * Why a modality gave no estimate for a span:
 * - `no_audio`: the participant sends no audio, or the span holds none;
 * - `digital_silence`: the audio is all (near) zero samples;
 * - `too_quiet`: audio is present but below the level voicing can be measured at;
 * - `too_little_voiced_speech`: too few voiced frames for the voice model;
 * - `no_face`: face frames arrived but none showed a face;
 * - `no_face_frames`: no face frames for the span;
 * - `no_text`: no transcript text for the span;
 * - `model_unavailable`: the server has no model for the modality;
 * - `model_error`: the model failed on this span (an `error` event says how);
 * - `disabled`: the modality was turned off by configuration.
 */
export type MissingReason =
  | "no_audio"
  | "too_quiet"
  | "too_little_voiced_speech"
  | "digital_silence"
  | "no_face"
  | "no_face_frames"
  | "no_text"
  | "model_unavailable"
  | "model_error"
  | "disabled";

/** A modality missing from an estimate, and why. */
export interface MissingModality {
  modality: Modality;
  reason: MissingReason;
}

/** Fields shared by `emotion`, `emotion.partial` and `emotion.update`. */
export interface EmotionFields {
  participantId: string;
  utteranceId: string;
  startMs: number;
  endMs: number;
  label: Emotion;
  /** Fused probabilities in EMOTIONS order. */
  probs: number[];
  confidence: number;
  uncertainty: number;
  valence: number;
  arousal: number;
  sentiment?: Record<Sentiment, number>;
  /** One entry per modality used. */
  modalities: Partial<Record<Modality, ModalityEntry>>;
  /** Modalities with no usable data for this span, each with why (schema version 2). */
  missing: MissingModality[];
  /** Final transcript text attached to the utterance, if any. */
  text?: string;
  /** Present when `text` came from the server's recogniser rather than the client. */
  transcript?: TranscriptSource;
  /** Who spoke (see SpeakerRef). */
  speaker?: SpeakerRef;
  /** True for a face-only estimate over a window without speech (no utterance). */
  window?: boolean;
  /** Voice summary of the span (voicedRatio, f0MeanHz, f0RangeSemitones, loudnessMean, levelDb), final events only. */
  voiceSummary?: Record<string, number>;
  /**
   * Faces the server measured in the span from the participant's video socket frames, largest
   * first (absent when the participant sends no video frames; empty when no frame showed a face).
   */
  faces?: FaceEntry[];
}

/** One face of a participant's video frames over an event's span (server-side measurement). */
export interface FaceEntry {
  /** Stable across frames while the face stays in view (e.g. "f1"). */
  faceId: string;
  /** Last box of the face in the span: [x, y, width, height] as fractions of the image size. */
  box: [number, number, number, number];
  /** Whether this face feeds the participant's face stream (the `face` modality). */
  primary: boolean;
  /** Frames of the span showing this face. */
  frames: number;
  /** The face model's label for this face over the span (mean of its per-frame distributions). */
  label?: Emotion;
  confidence?: number;
  /** 7 numbers in EMOTIONS order. */
  probs?: number[];
}

/** Running estimate while an utterance is in progress. */
export interface EmotionPartialEvent extends EmotionFields {
  type: "emotion.partial";
}

/** Final estimate for an utterance. */
export interface EmotionEvent extends EmotionFields {
  type: "emotion";
}

/** A corrected final estimate (e.g. a late transcript arrived); same utteranceId as the `emotion` it replaces. */
export interface EmotionUpdateEvent extends EmotionFields {
  type: "emotion.update";
  /** seq of the event this one supersedes. */
  replaces: number;
}

/** A participant's emotional state changed with enough size and confidence. */
export interface ShiftEvent {
  type: "shift";
  participantId: string;
  from: Emotion;
  to: Emotion;
  /** Total-variation distance between the two states' distributions, in [0, 1]. */
  size: number;
  confidence: number;
  /** Utterances of the old and the new state. */
  fromUtteranceIds: string[];
  toUtteranceIds: string[];
  /** Modalities whose change drove the shift, most influential first. */
  drivenBy: Modality[];
  startMs: number;
  endMs: number;
}

/** Something went wrong with a participant's input or processing. */
export interface ErrorEvent {
  type: "error";
  participantId?: string;
  code: ErrorCode;
  message: string;
  recoverable: boolean;
}

/** Every event body (without the envelope). */
export type EventBody =
  | ParticipantJoinedEvent
  | ParticipantLeftEvent
  | UtteranceStartEvent
  | UtteranceEndEvent
  | EmotionPartialEvent
  | EmotionEvent
  | EmotionUpdateEvent
  | ShiftEvent
  | ErrorEvent;

/** A published event. */
export type SessionEvent = EventBody & EventEnvelope;

/** Every event type name. */
export type EventType = EventBody["type"];
