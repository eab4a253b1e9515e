/**
 * A minimal PNG writer (8-bit RGB, no filtering, zlib via CompressionStream "deflate") and the
 * confusion-matrix picture of the evaluation report, so the report needs no Python or canvas.
 * PNG layout per the W3C PNG specification (signature, IHDR, IDAT, IEND; CRC-32 per chunk).
 */
import { EMOTIONS } from "../emotion/labels.ts";

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO 3309) of bytes. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

async function zlib(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  const td = new Uint8Array(4 + data.length);
  td.set(new TextEncoder().encode(type));
  td.set(data, 4);
  out.set(td, 4);
  view.setUint32(8 + data.length, crc32(td));
  return out;
}

/** An RGB image, row-major, 3 bytes per pixel. */
export interface RgbImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/** Encodes an RGB image as PNG bytes. */
export async function encodePng(img: RgbImage): Promise<Uint8Array> {
  const { width, height, pixels } = img;
  if (pixels.length !== width * height * 3) throw new RangeError("pixels must hold width·height·3 bytes");
  const raw = new Uint8Array(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    raw.set(pixels.subarray(y * width * 3, (y + 1) * width * 3), y * (1 + width * 3) + 1);
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB), deflate, no filter method, no interlace
  const parts = [
    new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", ihdr),
    chunk("IDAT", await zlib(raw)),
    chunk("IEND", new Uint8Array()),
  ];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** 3×5 glyphs, rows top to bottom, 3 bits each (MSB = left). */
const GLYPHS: Record<string, number[]> = {
  "0": [7, 5, 5, 5, 7],
  "1": [2, 6, 2, 2, 7],
  "2": [7, 1, 7, 4, 7],
  "3": [7, 1, 7, 1, 7],
  "4": [5, 5, 7, 1, 1],
  "5": [7, 4, 7, 1, 7],
  "6": [7, 4, 7, 5, 7],
  "7": [7, 1, 1, 1, 1],
  "8": [7, 5, 7, 5, 7],
  "9": [7, 5, 7, 1, 7],
  A: [2, 5, 7, 5, 5],
  D: [6, 5, 5, 5, 6],
  E: [7, 4, 6, 4, 7],
  F: [7, 4, 6, 4, 4],
  G: [7, 4, 5, 5, 7],
  H: [5, 5, 7, 5, 5],
  I: [7, 2, 2, 2, 7],
  N: [6, 5, 5, 5, 5],
  P: [7, 5, 7, 4, 4],
  R: [6, 5, 6, 5, 5],
  S: [7, 4, 7, 1, 7],
  U: [5, 5, 5, 5, 7],
  T: [7, 2, 2, 2, 2],
  "%": [5, 1, 2, 4, 5],
  " ": [0, 0, 0, 0, 0],
};

function fillRect(img: RgbImage, x0: number, y0: number, w: number, h: number, rgb: readonly number[]): void {
  for (let y = Math.max(0, y0); y < Math.min(img.height, y0 + h); y++) {
    for (let x = Math.max(0, x0); x < Math.min(img.width, x0 + w); x++) img.pixels.set(rgb, (y * img.width + x) * 3);
  }
}

function drawText(img: RgbImage, text: string, x: number, y: number, scale: number, rgb: readonly number[]): void {
  for (const ch of text.toUpperCase()) {
    const g = GLYPHS[ch] ?? GLYPHS[" "];
    g.forEach((bits, row) => {
      for (let col = 0; col < 3; col++) {
        if (bits & (4 >> col)) fillRect(img, x + col * scale, y + row * scale, scale, scale, rgb);
      }
    });
    x += 4 * scale;
  }
}

const CELL = 40, SCALE = 2, LEFT = 34, TOP = 18;

/**
 * The confusion matrix as a picture: rows are the reference class, columns the prediction (both
 * in EMOTIONS order, labelled by their first three letters), each cell shaded and printed with
 * its row-normalised share in percent.
 */
export function confusionImage(confusion: number[][]): RgbImage {
  const n = EMOTIONS.length;
  const img: RgbImage = { width: LEFT + n * CELL + 2, height: TOP + n * CELL + 2, pixels: new Uint8Array(0) };
  img.pixels = new Uint8Array(img.width * img.height * 3).fill(255);
  const tag = EMOTIONS.map((e) => e.slice(0, 3));
  tag.forEach((t, i) => {
    drawText(img, t, LEFT + i * CELL + 8, 3, SCALE, [0, 0, 0]);
    drawText(img, t, 4, TOP + i * CELL + 15, SCALE, [0, 0, 0]);
  });
  for (let r = 0; r < n; r++) {
    const total = confusion[r].reduce((a, b) => a + b, 0);
    for (let c = 0; c < n; c++) {
      const share = total ? confusion[r][c] / total : 0;
      const rgb = [Math.round(255 - 222 * share), Math.round(255 - 160 * share), Math.round(255 - 75 * share)];
      fillRect(img, LEFT + c * CELL + 1, TOP + r * CELL + 1, CELL - 1, CELL - 1, rgb);
      if (total) {
        const label = String(Math.round(share * 100));
        const ink = share > 0.55 ? [255, 255, 255] : [0, 0, 0];
        drawText(
          img,
          label,
          LEFT + c * CELL + (CELL - label.length * 4 * SCALE) / 2 + 1,
          TOP + r * CELL + 15,
          SCALE,
          ink,
        );
      }
    }
  }
  return img;
}

/** The confusion matrix PNG bytes. */
export function confusionPng(confusion: number[][]): Promise<Uint8Array> {
  return encodePng(confusionImage(confusion));
}
