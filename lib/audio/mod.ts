/** Audio in: PCM decoding of ingest messages and streaming resampling to the pipeline rate. */
export * from "./pcm_decoder.ts";
export * from "./resampler.ts";
export * from "./errors.ts";
export * from "./sample_rate.ts";
