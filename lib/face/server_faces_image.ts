/**
 * What a video frame holds, read from its header before any decoding: the format (by magic
 * bytes) and the pixel size. Frames are refused here — wrong format, truncated header, too
 * many pixels — so a hostile image never reaches the browser's decoders or costs a page call.
 *
 * Header layouts: JPEG SOFn segment (ITU-T T.81 §B.2.2), PNG IHDR chunk (RFC 2083 §4.1.1),
 * WebP `VP8 ` / `VP8L` / `VP8X` chunks (RFC 9649 §2.5–2.7).
 */
import { ProtocolError } from "../protocol/errors.ts";

/** Image formats accepted on the video socket. */
export type ImageFormat = "jpeg" | "png" | "webp";

/** Format and size of an encoded image. */
export interface ImageInfo {
  format: ImageFormat;
  width: number;
  height: number;
}

/** Largest encoded frame, in bytes. */
export const MAX_IMAGE_BYTES = 2 * 1024 * 1024;
/** Longest accepted image side, in pixels (1920×1080 in either orientation). */
export const MAX_IMAGE_LONG_SIDE = 1920;
/** Longest accepted shorter side, in pixels. */
export const MAX_IMAGE_SHORT_SIDE = 1080;

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function ascii(b: Uint8Array, at: number, s: string): boolean {
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

function bad(format: string, why: string): never {
  throw new ProtocolError("bad_image", `${format} frame cannot be read: ${why}`);
}

function jpegSize(b: Uint8Array): { width: number; height: number } {
  let p = 2;
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) bad("JPEG", `expected a marker at byte ${p}`);
    const m = b[p + 1];
    if (m === 0xff) { // fill byte
      p++;
      continue;
    }
    if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
      p += 2;
      continue;
    }
    if (m === 0xd9 || m === 0xda) break; // end of image / start of scan before any frame header
    const len = (b[p + 2] << 8) | b[p + 3];
    if (len < 2) bad("JPEG", "segment length < 2");
    const sof = m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
    if (sof) {
      if (p + 9 > b.length) break;
      return { height: (b[p + 5] << 8) | b[p + 6], width: (b[p + 7] << 8) | b[p + 8] };
    }
    p += 2 + len;
  }
  bad("JPEG", "no frame header (SOF) found");
}

function webpSize(b: Uint8Array): { width: number; height: number } {
  if (b.length < 30) bad("WebP", "truncated header");
  if (ascii(b, 12, "VP8 ")) {
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) bad("WebP", "bad VP8 start code");
    return { width: (b[26] | (b[27] << 8)) & 0x3fff, height: (b[28] | (b[29] << 8)) & 0x3fff };
  }
  if (ascii(b, 12, "VP8L")) {
    if (b[20] !== 0x2f) bad("WebP", "bad VP8L signature");
    const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (ascii(b, 12, "VP8X")) {
    return { width: 1 + (b[24] | (b[25] << 8) | (b[26] << 16)), height: 1 + (b[27] | (b[28] << 8) | (b[29] << 16)) };
  }
  bad("WebP", "unknown first chunk");
}

/**
 * Format and size of an encoded image. Throws ProtocolError (all recoverable: the frame is
 * dropped): `message_too_large` over MAX_IMAGE_BYTES, `unsupported_format` for anything but
 * JPEG, PNG or WebP, `bad_image` for an unreadable header, `image_too_large` beyond
 * MAX_IMAGE_LONG_SIDE × MAX_IMAGE_SHORT_SIDE.
 */
export function sniffImage(bytes: Uint8Array): ImageInfo {
  if (bytes.length > MAX_IMAGE_BYTES) {
    throw new ProtocolError("message_too_large", `a frame is limited to ${MAX_IMAGE_BYTES} bytes, got ${bytes.length}`);
  }
  let format: ImageFormat, size: { width: number; height: number };
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    format = "jpeg";
    size = jpegSize(bytes);
  } else if (PNG_MAGIC.every((v, i) => bytes[i] === v)) {
    format = "png";
    if (bytes.length < 24 || !ascii(bytes, 12, "IHDR")) bad("PNG", "no IHDR chunk");
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    size = { width: v.getUint32(16), height: v.getUint32(20) };
  } else if (bytes.length >= 12 && ascii(bytes, 0, "RIFF") && ascii(bytes, 8, "WEBP")) {
    format = "webp";
    size = webpSize(bytes);
  } else {
    throw new ProtocolError("unsupported_format", "a frame must be a JPEG, PNG or WebP image");
  }
  if (!(size.width > 0 && size.height > 0)) bad(format.toUpperCase(), "zero width or height");
  const long = Math.max(size.width, size.height), short = Math.min(size.width, size.height);
  if (long > MAX_IMAGE_LONG_SIDE || short > MAX_IMAGE_SHORT_SIDE) {
    throw new ProtocolError(
      "image_too_large",
      `frames are limited to ${MAX_IMAGE_LONG_SIDE}×${MAX_IMAGE_SHORT_SIDE} pixels, got ${size.width}×${size.height}`,
    );
  }
  return { format, ...size };
}
