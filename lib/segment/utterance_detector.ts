/**
 * Silero probabilities into utterance events for one stream: a {@linkcode VadStream} feeding a
 * {@linkcode VadSegmenter}. Also serves offline use (whole files) through {@linkcode detectUtterances}.
 */
import { type SileroVad, VAD_FRAME_SAMPLES, VadStream } from "./silero_vad.ts";
import { type SegmenterEvent, VadSegmenter, type VadSegmenterOptions } from "./vad_segmenter.ts";

/** Runs a whole 16 kHz signal through VAD and segmenter; returns the events and per-frame probabilities. */
export async function detectUtterances(
  vad: SileroVad,
  samples: Float32Array,
  options: VadSegmenterOptions = {},
): Promise<{ events: SegmenterEvent[]; probs: Float32Array }> {
  const stream = new VadStream(vad, Number.MAX_SAFE_INTEGER, true);
  const segmenter = new VadSegmenter(options);
  const events: SegmenterEvent[] = [];
  const probs = new Float32Array(Math.floor(samples.length / VAD_FRAME_SAMPLES));
  let k = 0;
  let failure: unknown;
  await stream.push(samples, (p) => {
    probs[k++] = p;
    events.push(...segmenter.push(p));
  }, (err) => failure ??= err);
  if (failure) throw failure;
  events.push(...segmenter.flush());
  return { events, probs };
}

/**
 * The span of speech in a clip with only the silence at its ends trimmed (manifest items are one
 * utterance each). Returns null when no frame reaches the positive threshold.
 */
export function speechExtent(
  probs: Float32Array,
  options: { frameMs?: number; threshold?: number; padMs?: number } = {},
): { startMs: number; endMs: number } | null {
  const frameMs = options.frameMs ?? 32, threshold = options.threshold ?? 0.5, pad = options.padMs ?? 96;
  let first = -1, last = -1;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i] >= threshold) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0) return null;
  return { startMs: Math.max(0, first * frameMs - pad), endMs: Math.min(probs.length * frameMs, (last + 1) * frameMs + pad) };
}

/**
 * The span a recorded clip is analysed over as one utterance: VAD trims only the silence at its
 * ends (padded by 96 ms); the whole clip when VAD finds no speech. Offline analysis and the
 * voice training features both use this, so the model sees in training the spans it sees in use.
 */
export async function trimmedSpan(vad: SileroVad, samples: Float32Array): Promise<{ startMs: number; endMs: number }> {
  const whole = { startMs: 0, endMs: samples.length / 16 };
  if (samples.length < VAD_FRAME_SAMPLES) return whole;
  const { probs } = await detectUtterances(vad, samples, { partialIntervalMs: 0 });
  return speechExtent(probs) ?? whole;
}
