import assert from "node:assert/strict";
import { confusionImage, crc32, encodePng } from "./png.ts";

async function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  const s = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(s).arrayBuffer());
}

Deno.test("crc32 matches the standard check value", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
});

Deno.test("encodePng writes a PNG whose chunks check and whose pixels decode back", async () => {
  const img = { width: 3, height: 2, pixels: new Uint8Array([...Array(18).keys()].map((i) => i * 10)) };
  const png = await encodePng(img);
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  const view = new DataView(png.buffer);
  let o = 8;
  let idat = new Uint8Array();
  const types: string[] = [];
  while (o < png.length) {
    const len = view.getUint32(o);
    const type = new TextDecoder().decode(png.subarray(o + 4, o + 8));
    types.push(type);
    assert.equal(view.getUint32(o + 8 + len), crc32(png.subarray(o + 4, o + 8 + len)), `${type} CRC`);
    if (type === "IHDR") assert.deepEqual([view.getUint32(o + 8), view.getUint32(o + 12)], [3, 2]);
    if (type === "IDAT") idat = png.slice(o + 8, o + 8 + len);
    o += 12 + len;
  }
  assert.deepEqual(types, ["IHDR", "IDAT", "IEND"]);
  const raw = await inflate(idat);
  assert.equal(raw.length, 2 * (1 + 9));
  assert.deepEqual([...raw.subarray(1, 10)], [...img.pixels.subarray(0, 9)]);
  assert.deepEqual([...raw.subarray(11, 20)], [...img.pixels.subarray(9, 18)]);
});

Deno.test("confusionImage shades a full diagonal darker than an empty cell", () => {
  const cm = Array.from({ length: 7 }, (_, i) => Array.from({ length: 7 }, (_, j) => (i === j ? 5 : 0)));
  const img = confusionImage(cm);
  const px = (x: number, y: number) => img.pixels[(y * img.width + x) * 3];
  // top-left corner inside cell (0,0) vs inside cell (0,1): LEFT 34, TOP 18, CELL 40
  assert.ok(px(34 + 3, 18 + 3) < px(34 + 40 + 3, 18 + 3));
});
