/**
 * What the session needs from each modality stage. The voice, face and text modules implement
 * these; the session depends only on the shapes, so it can run with any subset of models.
 */
import type { AsrTranscript } from "../asr/asr_stream.ts";
import type { AnalysisSpan, Modality, ModalityEstimate } from "../modality/estimate.ts";
import type { FaceFrame } from "../protocol/face_frame.ts";

/** Per-participant voice stage. */
export interface VoiceStage {
  push(samples: Float32Array): void;
  analyze(span: AnalysisSpan): Promise<ModalityEstimate | null>;
  /** Cheap acoustic summary of a span (voiced ratio, F0, loudness). */
  summary(span: AnalysisSpan): Promise<object | null>;
  release(): void;
  /**
   * Whether the shared voice worker has a backlog (requests or audio waiting): optional work
   * (`emotion.partial`) is skipped so final estimates are not delayed. Absent: never.
   */
  behind?(): boolean;
  /**
   * Where the segmenter stands (`VadSegmenter.earliestStartMs`, `inSpeech`, `speechUntilMs`):
   * audio no utterance can cover any more need not be analysed, and audio in a pause after an
   * open utterance's speech can wait until it is known to belong to it. Absent, or never called:
   * every frame is analysed.
   */
  speech?(earliestStartMs: number, inSpeech: boolean, speechUntilMs?: number): void;
}

/** Per-participant face stage. */
export interface FaceStage {
  push(frame: FaceFrame): void;
  analyze(span: AnalysisSpan): Promise<ModalityEstimate | null>;
  release(): void;
}

/** One turn of the conversation. */
export interface Turn {
  speaker: string;
  text: string;
}

/** Per-session text stage: the conversation context and the text model. */
export interface TextStage {
  estimate(turn: Turn): Promise<ModalityEstimate | null>;
  commit(turn: Turn): void;
}

/**
 * Per-participant speech recognition (lib/asr/asr_stream.ts): keeps the stream's recent audio and
 * recognises an utterance's span once it ended, for audio that comes without transcripts.
 */
export interface AsrStage {
  push(samples: Float32Array): void;
  recognize(span: { utteranceId: string; startMs: number; endMs: number }): Promise<AsrTranscript | null>;
  release(): void;
}

/** Creates stages for new participants and sessions; models behind it are loaded once. */
export interface StageFactory {
  /** Why a modality has no stage (no model file, disabled), for `missing` reasons. */
  readonly unavailable?: Partial<Record<Modality, string>>;
  createVoice?(): VoiceStage | undefined;
  createFace?(): FaceStage | undefined;
  createText?(): TextStage | undefined;
  createAsr?(): AsrStage | undefined;
}
