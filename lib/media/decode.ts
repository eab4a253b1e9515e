/**
 * Decodes any file ffmpeg understands into 16 kHz mono float32 samples, the pipeline's
 * internal audio format.
 */

import { PIPELINE_SAMPLE_RATE } from "../audio/sample_rate.ts";

/** The pipeline's internal sample rate, in Hz (defined by lib/audio). */
export { PIPELINE_SAMPLE_RATE };

/** Raised when ffmpeg is missing or cannot decode a file. */
export class DecodeError extends Error {
  readonly recoverable = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DecodeError";
  }
}

/** Options for {@linkcode decodeAudio}. */
export interface DecodeAudioOptions {
  /** Output sample rate in Hz. Default 16000. */
  sampleRate?: number;
  /** ffmpeg executable. Default "ffmpeg" on PATH. */
  ffmpeg?: string;
  /** Longest audio decoded, in seconds; longer input is cut. Default 3600. */
  maxDurationInS?: number;
}

/**
 * Decodes the first audio stream of `path` to mono float32 at `sampleRate`.
 * A file with no audio stream yields an empty array rather than an error, so images and
 * silent videos flow through the same path.
 */
export async function decodeAudio(path: string, options: DecodeAudioOptions = {}): Promise<Float32Array> {
  const sampleRate = options.sampleRate ?? PIPELINE_SAMPLE_RATE;
  const maxDuration = options.maxDurationInS ?? 3600;
  try {
    await Deno.stat(path);
  } catch {
    throw new DecodeError(`no such file: ${path}`);
  }
  const args = [
    "-nostdin", "-hide_banner", "-loglevel", "error",
    "-i", path, "-map", "0:a:0?", "-vn", "-t", String(maxDuration),
    "-ac", "1", "-ar", String(sampleRate), "-f", "f32le", "pipe:1",
  ];
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(options.ffmpeg ?? "ffmpeg", { args, stdout: "piped", stderr: "piped", stdin: "null" })
      .output();
  } catch (err) {
    throw new DecodeError(`cannot run ffmpeg (is it installed?): ${(err as Error).message}`, { cause: err });
  }
  if (!out.success) {
    const msg = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" ");
    throw new DecodeError(`ffmpeg could not decode ${path}: ${msg || `exit ${out.code}`}`);
  }
  const bytes = out.stdout;
  const n = Math.floor(bytes.byteLength / 4);
  const samples = new Float32Array(n);
  new Uint8Array(samples.buffer).set(bytes.subarray(0, n * 4));
  return samples;
}
