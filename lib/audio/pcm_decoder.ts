/**
 * Turns binary ingest messages into mono float32 samples at the client's sample rate.
 */
import { MisalignedAudioError } from "./errors.ts";

/** Layout of PCM audio (the wire's `hello.audio` has this shape; audio knows no wire). */
export interface PcmFormat {
  /** Hz. */
  sampleRate: number;
  encoding: "pcm_s16le" | "f32le";
  channels: number;
}

/** Whether typed arrays on this machine are little-endian (the wire's byte order). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Bytes per sample frame (all channels) for a format. */
export function frameBytes(format: PcmFormat): number {
  return (format.encoding === "pcm_s16le" ? 2 : 4) * format.channels;
}

/**
 * Decodes one binary message. Its length must be a whole number of sample frames, otherwise a
 * {@linkcode MisalignedAudioError} is thrown and nothing is decoded (the media clock does not
 * advance). Stereo is averaged to mono; float samples that are not finite become 0 and all samples
 * are clipped to [-1, 1], so one bad value cannot poison the features of a whole utterance.
 */
export function decodePcm(bytes: Uint8Array, format: PcmFormat): Float32Array {
  const fb = frameBytes(format);
  if (bytes.byteLength % fb !== 0) {
    throw new MisalignedAudioError(bytes.byteLength, fb);
  }
  const frames = bytes.byteLength / fb;
  const out = new Float32Array(frames);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ch = format.channels;
  if (format.encoding === "pcm_s16le" && ch === 1 && LITTLE_ENDIAN && bytes.byteOffset % 2 === 0) {
    // The common case (mono 16-bit, aligned): read the samples in place.
    const pcm = new Int16Array(bytes.buffer, bytes.byteOffset, frames);
    for (let i = 0; i < frames; i++) out[i] = pcm[i] / 32768;
  } else if (format.encoding === "pcm_s16le") {
    for (let i = 0, o = 0; i < frames; i++) {
      let s = 0;
      for (let c = 0; c < ch; c++, o += 2) s += view.getInt16(o, true);
      out[i] = s / (32768 * ch);
    }
  } else {
    for (let i = 0, o = 0; i < frames; i++) {
      let s = 0;
      for (let c = 0; c < ch; c++, o += 4) {
        const v = view.getFloat32(o, true);
        s += Number.isFinite(v) ? v : 0;
      }
      const m = s / ch;
      out[i] = m > 1 ? 1 : m < -1 ? -1 : m;
    }
  }
  return out;
}
