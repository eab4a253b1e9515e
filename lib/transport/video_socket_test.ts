/**
 * The video socket over a real server and real Chromium: frames of real clips yield `faces` on
 * emotion events, several faces keep stable ids, and bad frames get typed errors. One face pool
 * is shared by every test of this file (Chromium starts once).
 */
import assert from "node:assert/strict";
import { Engine } from "../engine/engine.ts";
import { ServerFaces } from "../face/server_faces.ts";
import { decodeAudio } from "../media/decode.ts";
import { startServer } from "../server.ts";
import { adminKey, createSession, ingestToken, rawRequest, withToken } from "../testing/auth.ts";
import { DATA_DIR } from "../testing/data.ts";
import { TestSocket, toPcm16 } from "../testing/ws_client.ts";
import { videoFrameMessage } from "../client/video_connection.ts";

const MODEL = `${DATA_DIR}/models/face_landmarker.task`;
const engine = await Engine.load({ vadWorker: true, voiceWorker: true });
const faces = new ServerFaces({ modelPath: MODEL });
// Chromium takes seconds to start: warm the pool so the first test's frames are not dropped.
await faces.start();
const server = await startServer({
  loadedEngine: engine,
  port: 0,
  sessions: { session: { participant: { burstMs: 3000, textWaitMs: 300 } } },
  app: { video: { faces, joinGraceMs: 300 } },
});
const base = `ws://127.0.0.1:${server.port}/v1/sessions`;
const opts = { sanitizeOps: false, sanitizeResources: false };
let sid = 0;
/** A fresh session, created as an admin would (an events socket of an unknown session is closed 4404). */
async function newSession(): Promise<string> {
  const s = `v${++sid}-${Date.now()}`;
  await createSession(server, s);
  return s;
}
const eventsOf = (s: string) => new TestSocket(withToken(`${base}/${s}/events`, adminKey(server)));
const ingestOf = async (s: string, p: string) =>
  new TestSocket(withToken(`${base}/${s}/participants/${p}/ingest`, await ingestToken(server, s, p)));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** JPEG frames of a clip at `fps`, via ffmpeg. */
async function jpegFrames(path: string, fps: number): Promise<Uint8Array[]> {
  const dir = await Deno.makeTempDir();
  const out = await new Deno.Command("ffmpeg", {
    args: ["-hide_banner", "-loglevel", "error", "-i", path, "-vf", `fps=${fps}`, "-q:v", "4", `${dir}/%04d.jpg`],
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  const frames = names.map((n) => Deno.readFileSync(`${dir}/${n}`));
  await Deno.remove(dir, { recursive: true });
  return frames;
}

async function openVideo(s: string, p: string): Promise<TestSocket> {
  const v = new TestSocket(withToken(`${base}/${s}/participants/${p}/video`, await ingestToken(server, s, p)));
  await v.opened;
  await v.waitFor((m) => m.some((x) => x.type === "ready"));
  return v;
}

type Ev = Record<string, any>;
const emotionsWithFaces = (msgs: Ev[]) => msgs.filter((m) => m.type === "emotion" && Array.isArray(m.faces));

Deno.test(
  "frames of a real clip on the video socket alone yield face-only windows with face entries",
  opts,
  async () => {
    const s = await newSession();
    const events = eventsOf(s);
    await events.opened;
    const video = await openVideo(s, "bot");
    const frames = await jpegFrames(`${DATA_DIR}/media/grid_bbaf2n.mpg`, 2);
    assert.ok(frames.length >= 5);
    for (let i = 0; i < frames.length; i++) {
      video.send(videoFrameMessage(i * 500, frames[i]));
      await sleep(500); // 2 frames/s, in real time
    }
    video.json({ type: "end" });
    await video.closed;
    assert.equal(video.closeCode, 1000);
    await events.waitFor((m) => m.some((x) => x.type === "participant.left"), 20_000);
    assert.deepEqual(video.ofType("error"), []);
    const joined = events.ofType("participant.joined");
    assert.equal(joined.length, 1);
    const withFaces = emotionsWithFaces(events.messages);
    assert.ok(withFaces.length >= 1, JSON.stringify(events.messages.map((m) => m.type)));
    for (const e of withFaces) {
      assert.equal(e.window, true);
      assert.equal(e.faces.length, 1);
      const f = e.faces[0];
      assert.equal(f.faceId, "f1");
      assert.equal(f.primary, true);
      assert.ok(f.frames >= 1);
      assert.equal(f.box.length, 4);
      assert.ok(f.box.every((x: number) => x >= 0 && x <= 1) && f.box[2] > 0.05 && f.box[3] > 0.05);
      if (engine.face) {
        assert.equal(f.probs.length, 7);
        assert.ok(typeof f.label === "string");
        assert.ok(e.modalities.face, "the primary face fed the face modality");
      }
    }
    events.close();
  },
);

Deno.test(
  "audio on ingest and frames on video: utterance emotions of the same participant carry faces",
  opts,
  async () => {
    const s = await newSession();
    const events = eventsOf(s);
    await events.opened;
    const clip = `${DATA_DIR}/media/pyfeat_single_face.mp4`;
    const audio = await decodeAudio(`${DATA_DIR}/media/grid_bbaf2n.mpg`);
    const ingest = await ingestOf(s, "ann");
    await ingest.opened;
    ingest.json({ type: "hello", audio: { sampleRate: 16000, encoding: "pcm_s16le", channels: 1 } });
    await ingest.waitFor((m) => m.some((x) => x.type === "ready"));
    const video = await openVideo(s, "ann");
    const frames = [...await jpegFrames(clip, 2), ...await jpegFrames(clip, 2)];
    // audio in real time, 20 ms messages; a frame every 500 ms of media time
    const padded = new Float32Array(audio.length + 16000);
    padded.set(audio);
    let next = 0;
    for (let i = 0; i < padded.length; i += 320) {
      ingest.send(toPcm16(padded.subarray(i, i + 320)));
      const ms = (i / 16000) * 1000;
      if (ms >= next * 500 && next < frames.length) video.send(videoFrameMessage(ms, frames[next++]));
      if ((i / 320) % 10 === 9) await sleep(200);
    }
    await sleep(1000); // the last frames are measured
    ingest.json({ type: "end" });
    await ingest.closed;
    await events.waitFor((m) => m.some((x) => x.type === "participant.left"), 20_000);
    video.close();
    const utterance = emotionsWithFaces(events.messages).filter((e) => !e.window);
    assert.ok(utterance.length >= 1, JSON.stringify(events.messages.map((m: Ev) => [m.type, m.faces?.length])));
    assert.equal(utterance[0].participantId, "ann");
    assert.equal(utterance[0].faces[0].faceId, "f1");
    assert.equal(events.ofType("participant.joined").length, 1, "the video socket joined the ingest stream");
    events.close();
  },
);

Deno.test("several faces in one image keep stable face ids across repeated frames", opts, async () => {
  const s = await newSession();
  const events = eventsOf(s);
  await events.opened;
  const video = await openVideo(s, "room");
  const img = await Deno.readFile(`${DATA_DIR}/media/pyfeat_multi_face.jpg`);
  for (let i = 0; i < 6; i++) {
    video.send(videoFrameMessage(i * 500, img));
    await sleep(250);
  }
  video.json({ type: "end" });
  await video.closed;
  await events.waitFor((m) => m.some((x) => x.type === "participant.left"), 20_000);
  const withFaces = emotionsWithFaces(events.messages);
  assert.ok(withFaces.length >= 1);
  const ids = new Set<string>();
  for (const e of withFaces) {
    assert.equal(e.faces.length, 2, "maxFaces 2: the two largest faces");
    for (const f of e.faces) ids.add(f.faceId);
    const [a, b] = e.faces;
    assert.ok(a.box[2] * a.box[3] >= b.box[2] * b.box[3], "largest first");
    assert.equal(a.frames, b.frames, "both faces in every frame");
    assert.equal(e.faces.filter((f: Ev) => f.primary).length, 1);
  }
  assert.deepEqual([...ids].sort(), ["f1", "f2"], "the same two ids in every frame");
  events.close();
});

Deno.test("floods, oversize, undecodable and over-resolution frames get typed recoverable errors", opts, async () => {
  const s = await newSession();
  const video = await openVideo(s, "bad");
  const img = await Deno.readFile(`${DATA_DIR}/media/pyfeat_single_face.jpg`);
  const codes = async (send: () => void, code: string) => {
    send();
    await video.waitFor((m) => m.some((x) => x.type === "error" && x.code === code), 15_000).catch((e) => {
      throw new Error(`no ${code}: ${JSON.stringify(video.ofType("error").map((x) => x.code))} (${e.message})`);
    });
  };
  await codes(
    () => video.send(videoFrameMessage(1, new TextEncoder().encode("GIF89a-not-accepted"))),
    "unsupported_format",
  );
  await codes(
    () => video.send(videoFrameMessage(2, new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0]))),
    "bad_image",
  );
  await codes(() => video.send(videoFrameMessage(3, new Uint8Array(2 * 1024 * 1024 + 10))), "message_too_large");
  const big = new Uint8Array(33);
  big.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(big.buffer).setUint32(16, 4000);
  new DataView(big.buffer).setUint32(20, 3000);
  await codes(() => video.send(videoFrameMessage(4, big)), "image_too_large");
  // a JPEG whose header is fine but whose data is not: only the browser's decoder finds out
  const broken = new Uint8Array(400);
  broken.set(big.subarray(0, 33));
  new DataView(broken.buffer).setUint32(16, 64);
  new DataView(broken.buffer).setUint32(20, 64);
  broken.fill(0x55, 33);
  await sleep(1100); // the error throttle reports one code per second
  await codes(() => video.send(videoFrameMessage(5, broken)), "bad_image");
  await codes(() => video.send(new Uint8Array([1, 2, 3])), "bad_message");
  await sleep(1100); // the error throttle reports one code per second
  await codes(() => {
    for (let i = 0; i < 20; i++) video.send(videoFrameMessage(10 + i, img));
  }, "rate_limited");
  assert.ok(video.ofType("error").every((e) => e.recoverable === true));
  assert.equal(video.closeCode, undefined, "recoverable errors keep the socket open");
  video.close();
  await video.closed;
  assert.ok(faces.stats.undecodable >= 1);
});

Deno.test("a second video socket for the same participant is refused with 4409", opts, async () => {
  const s = await newSession();
  const a = await openVideo(s, "twin");
  const b = new TestSocket(withToken(`${base}/${s}/participants/twin/video`, await ingestToken(server, s, "twin")));
  await b.closed;
  assert.equal(b.closeCode, 4409);
  a.close();
  await a.closed;
});

Deno.test(
  "the video socket needs an ingest token of the participant, and consent for a video-only stream",
  opts,
  async () => {
    const s = await newSession();
    const img = await Deno.readFile(`${DATA_DIR}/media/pyfeat_single_face.jpg`);
    const path = `/v1/sessions/${s}/participants/p/video`;
    const handshake = {
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      "sec-websocket-version": "13",
    };
    assert.equal((await rawRequest(server.port, path, handshake)).status, 401);
    const other = await ingestToken(server, s, "someone-else");
    assert.equal((await rawRequest(server.port, withToken(path, other), handshake)).status, 403);
    // a token without consent, and no consent in hello: nothing is analysed, close 4403
    const token = (await server.issuer.mint({ sessionId: s, role: "ingest", participantId: "p" })).token;
    const v = new TestSocket(withToken(`${base}/${s}/participants/p/video`, token));
    await v.opened;
    v.send(videoFrameMessage(0, img));
    await v.closed;
    assert.equal(v.closeCode, 4403);
    assert.ok(v.ofType("error").some((e) => e.code === "consent_required"));
  },
);

Deno.test("an idle video socket is closed with 1008 timeout", opts, async () => {
  const idle = await startServer({
    loadedEngine: engine,
    port: 0,
    app: { video: { faces, idleTimeoutMs: 300 } },
  });
  try {
    const s = `idle-${Date.now()}`;
    await createSession(idle, s);
    const v = new TestSocket(
      withToken(`ws://127.0.0.1:${idle.port}/v1/sessions/${s}/participants/p/video`, await ingestToken(idle, s, "p")),
    );
    await v.closed;
    assert.equal(v.closeCode, 1008);
    assert.ok(v.ofType("error").some((e) => e.code === "timeout"));
  } finally {
    await idle.shutdown();
  }
});

Deno.test("/v1/health reports the face pool's counters (measured, dropped, undecodable)", opts, async () => {
  const health = await (await fetch(`http://127.0.0.1:${server.port}/v1/health`)).json();
  const v = health.inference.videoFaces;
  assert.ok(v.measured > 0 && v.undecodable >= 1, JSON.stringify(v));
  assert.equal(typeof v.dropped, "number");
  assert.equal(v.pagesStarted, 1);
});

Deno.test({
  name: "shutdown: close the server and the face pool",
  ...opts,
  fn: async () => {
    await server.shutdown();
    await faces.close();
    engine.close();
  },
});
