/** The pipeline's sample rate: everything after the resampler (VAD, voice features, level meter) runs at 16 kHz. */
export const PIPELINE_SAMPLE_RATE = 16000;
