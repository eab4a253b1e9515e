import assert from "node:assert/strict";
import { ProtocolError } from "../protocol/errors.ts";
import { DATA_DIR } from "../testing/data.ts";
import { MAX_IMAGE_BYTES, sniffImage } from "./server_faces_image.ts";

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ProtocolError, String(err));
    return err.code;
  }
  throw new Error("expected a ProtocolError");
}

/** Encodes a 1-frame image of a given size with ffmpeg. */
async function encode(w: number, h: number, ext: "jpg" | "png" | "webp"): Promise<Uint8Array> {
  const path = await Deno.makeTempFile({ suffix: `.${ext}` });
  const args = [
    "-hide_banner",
    "-loglevel",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    `color=c=gray:s=${w}x${h}`,
    "-frames:v",
    "1",
  ];
  if (ext === "webp") args.push("-c:v", "libwebp");
  const out = await new Deno.Command("ffmpeg", { args: [...args, path], stderr: "piped" }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const bytes = await Deno.readFile(path);
  await Deno.remove(path);
  return bytes;
}

Deno.test("sniffImage reads format and size of real JPEG, PNG and WebP files", async () => {
  const jpg = await Deno.readFile(`${DATA_DIR}/media/pyfeat_multi_face.jpg`);
  assert.deepEqual(sniffImage(jpg), { format: "jpeg", width: 1000, height: 667 });
  assert.deepEqual(sniffImage(await encode(320, 240, "png")), { format: "png", width: 320, height: 240 });
  const webp = await encode(64, 48, "webp");
  assert.deepEqual(sniffImage(webp), { format: "webp", width: 64, height: 48 });
  assert.deepEqual(sniffImage(await encode(1080, 1920, "jpg")), { format: "jpeg", width: 1080, height: 1920 });
});

Deno.test("sniffImage refuses other formats, unreadable headers, oversize bytes and resolutions", () => {
  assert.equal(code(() => sniffImage(new TextEncoder().encode("GIF89a........"))), "unsupported_format");
  assert.equal(code(() => sniffImage(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 4, 1, 2]))), "bad_image");
  assert.equal(
    code(() => sniffImage(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]))),
    "bad_image",
  );
  assert.equal(code(() => sniffImage(new Uint8Array(MAX_IMAGE_BYTES + 1))), "message_too_large");
  assert.equal(code(() => sniffImage(pngHeader2000x1000)), "image_too_large");
  assert.equal(code(() => sniffImage(wideJpeg)), "image_too_large");
});

// 2000×1000 PNG header (IHDR only: the size check needs no pixels).
const pngHeader2000x1000 = (() => {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const v = new DataView(b.buffer);
  v.setUint32(16, 2000);
  v.setUint32(20, 1000);
  return b;
})();
const wideJpeg = await encode(1920, 1200, "jpg");
