/**
 * `deno task stream` end to end: a real clip played in real time into a real server (audio on
 * ingest, frames on the video socket, faces measured by headless Chromium), the session's
 * events printed as JSON lines.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Engine } from "../engine/engine.ts";
import { ServerFaces } from "../face/server_faces.ts";
import { startServer } from "../server.ts";
import { DATA_DIR } from "../testing/data.ts";
import { splitJpegs } from "./stream.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test("splitJpegs cuts an MJPEG byte stream at EOI markers, across chunk boundaries", async () => {
  const a = [0xff, 0xd8, 0xff, 0xe0, 1, 0xff, 0x00, 2, 0xff, 0xd9], b = [0xff, 0xd8, 3, 0xff, 0xd9];
  const bytes = new Uint8Array([...a, ...b]);
  for (const cut of [1, 9, 10, 12]) {
    const chunks = (async function* () {
      yield bytes.slice(0, cut);
      yield bytes.slice(cut);
    })();
    const out: number[][] = [];
    for await (const j of splitJpegs(chunks)) out.push([...j]);
    assert.deepEqual(out, [a, b], `cut at ${cut}`);
  }
});

Deno.test("deno task stream plays a real clip into a live server and prints its events", opts, async () => {
  const engine = await Engine.load({ vadWorker: true, voiceWorker: true });
  const faces = new ServerFaces({ modelPath: `${DATA_DIR}/models/face_landmarker.task` });
  await faces.start();
  const server = await startServer({ loadedEngine: engine, port: 0, app: { video: { faces } } });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "task",
        "stream",
        `${DATA_DIR}/media/grid_bbaf2n.mpg`,
        "--url",
        `http://127.0.0.1:${server.port}`,
        "--session",
        "call-1",
        "--participant",
        "bot",
        "--fps",
        "2",
        "--admin-key",
        server.adminKey,
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    const events = new TextDecoder().decode(out.stdout).trim().split("\n").map((l) => JSON.parse(l));
    const types = events.map((e) => e.type);
    assert.equal(types[0], "participant.joined");
    assert.equal(types.at(-1), "participant.left");
    assert.ok(types.includes("utterance.start") && types.includes("utterance.end"), types.join(","));
    const final = events.filter((e) => e.type === "emotion" && !e.window);
    assert.ok(final.length >= 1, types.join(","));
    assert.ok(final[0].modalities.voice, "audio went through ingest");
    assert.ok(final.some((e) => e.faces?.[0]?.faceId === "f1"), "frames went through the video socket");
    for (let i = 1; i < events.length; i++) assert.ok(events[i].seq > events[i - 1].seq);
  } finally {
    await server.shutdown();
    await faces.close();
    engine.close();
  }
});
