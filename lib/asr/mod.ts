/**
 * Speech recognition: the {@linkcode Recognizer} interface, its transports (the embedded
 * pocketsphinx, any process speaking JSON lines), the bounded process pool, the live stage that
 * turns utterance audio into transcript text, and word error rate for measuring it (docs/asr.md).
 */
export * from "./recognizer.ts";
export * from "./recognizer_process.ts";
export * from "./recognizer_pool.ts";
export * from "./sphinx_process.ts";
export * from "./jsonl_process.ts";
export * from "./create_recognizer.ts";
export * from "./wer.ts";
export * from "./known_transcripts.ts";
