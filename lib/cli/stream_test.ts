/**
 * `deno task stream` end to end: real recordings played in real time into a real server (audio
 * on ingest, frames on the video socket, faces measured by headless Chromium), the session's
 * events printed as JSON lines. One engine, face pool and server for the file.
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
const engine = await Engine.load({ vadWorker: true, voiceWorker: true });
const faces = new ServerFaces({ modelPath: `${DATA_DIR}/models/face_landmarker.task` });
await faces.start();
const server = await startServer({ loadedEngine: engine, port: 0, app: { video: { faces, joinGraceMs: 300 } } });
const url = `http://127.0.0.1:${server.port}`;

/** Runs `deno task stream` and returns its exit code, events and stderr. */
async function stream(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "stream", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    // other test files may have set these in this process: only what a test passes counts
    env: { AFFECTSTREAM_TOKEN: "", AFFECTSTREAM_ADMIN_KEY: "", ...env },
    signal: AbortSignal.timeout(90_000),
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  return {
    code: out.code,
    stderr: new TextDecoder().decode(out.stderr),
    events: text ? text.split("\n").map((l) => JSON.parse(l)) : [],
  };
}

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
  const r = await stream([
    `${DATA_DIR}/media/grid_bbaf2n.mpg`,
    "--url",
    url,
    "--session",
    "call-1",
    "--participant",
    "bot",
    "--fps",
    "2",
    "--admin-key",
    server.adminKey,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const types = r.events.map((e) => e.type);
  assert.equal(types[0], "participant.joined");
  assert.equal(types.at(-1), "participant.left");
  assert.ok(types.includes("utterance.start") && types.includes("utterance.end"), types.join(","));
  const final = r.events.filter((e) => e.type === "emotion" && !e.window);
  assert.ok(final.length >= 1, types.join(","));
  assert.ok(final[0].modalities.voice, "audio went through ingest");
  assert.ok(final.some((e) => e.faces?.[0]?.faceId === "f1"), "frames went through the video socket");
  for (let i = 1; i < r.events.length; i++) assert.ok(r.events[i].seq > r.events[i - 1].seq);
});

Deno.test("deno task stream of a still image: a video-only participant with face windows", opts, async () => {
  // a token without consent: --consent says it in the video socket's hello
  const token = (await server.issuer.mint({ sessionId: "still", role: "ingest", participantId: "cam" })).token;
  const r = await stream(
    [
      `${DATA_DIR}/media/pyfeat_multi_face.jpg`,
      "--url",
      url,
      "--session",
      "still",
      "--participant",
      "cam",
      "--consent",
    ],
    { AFFECTSTREAM_TOKEN: token },
  );
  assert.equal(r.code, 0, r.stderr);
  const windows = r.events.filter((e) => e.type === "emotion" && e.window);
  assert.ok(windows.length >= 1, r.events.map((e) => e.type).join(","));
  // ffmpeg re-encodes the still (mjpeg, q 5): the second, smaller face is not always found then
  assert.ok(
    windows.every((e) => e.faces.length >= 1 && e.faces[0].faceId === "f1"),
    JSON.stringify(windows.map((e) => e.faces)),
  );
  assert.ok(!r.events.some((e) => e.type === "utterance.start"), "no audio, no utterances");
});

Deno.test({
  name: "shutdown",
  ...opts,
  fn: async () => {
    await server.shutdown();
    await faces.close();
    engine.close();
  },
});
