/** Utterance segmentation: Silero VAD (in-thread or worker, batched) and the segmenter state machine. */
export * from "./silero_vad.ts";
export * from "./vad_segmenter.ts";
export * from "./utterance_detector.ts";
export * from "./vad_backend.ts";
