/**
 * End-to-end tests over real sockets: a real clip streamed to the ingest socket, events on the
 * events socket, `since` resume, and every kind of bad input.
 */
import assert from "node:assert/strict";
import { Engine } from "../engine/engine.ts";
import { decodeAudio } from "../media/decode.ts";
import { startServer } from "../server.ts";
import { DATA_DIR } from "../testing/data.ts";
import { energySpeechExtent } from "../testing/energy_reference.ts";
import { TestSocket, toPcm16 } from "../testing/ws_client.ts";
import { createSession, withToken } from "../testing/auth.ts";

const engine = await Engine.load({ vadWorker: true, voiceWorker: true });
const server = await startServer({
  loadedEngine: engine,
  port: 0,
  sessions: { session: { participant: { burstMs: 3000, textWaitMs: 300 } } },
});
const base = `ws://127.0.0.1:${server.port}/v1/sessions`;
const http = `http://127.0.0.1:${server.port}`;
const opts = { sanitizeOps: false, sanitizeResources: false };
let sid = 0;
const newSession = () => `t${++sid}-${Date.now()}`;
const HELLO = { type: "hello", consent: true, audio: { sampleRate: 16000, encoding: "pcm_s16le", channels: 1 } };
/** `url` with the admin key as its token (the access rules have their own tests in auth_routes_test.ts). */
const tok = (url: string) => withToken(url, server.adminKey);

const clip = await decodeAudio(`${DATA_DIR}/voice/ravdess/Actor_02/03-01-05-02-01-01-02.flac`);
const padded = new Float32Array(clip.length + 16000 * 2);
padded.set(clip, 16000);

/** Streams audio in 20 ms messages at `speed`× real time. */
async function stream(sock: TestSocket, samples: Float32Array, speed = 4): Promise<void> {
  const step = 320;
  for (let i = 0; i < samples.length; i += step) {
    sock.send(toPcm16(samples.subarray(i, i + step)));
    if ((i / step) % 10 === 9) await new Promise((r) => setTimeout(r, (200 / speed)));
  }
}

Deno.test("health reports ok and lists the loaded models", opts, async () => {
  const health = await (await fetch(`${http}/v1/health`)).json();
  assert.equal(health.status, "ok");
  const models = await (await fetch(`${http}/v1/models`, { headers: { authorization: `Bearer ${server.adminKey}` } })).json();
  assert.ok(models.models.some((m: { name: string }) => m.name.startsWith("silero_vad")));
  assert.equal((await fetch(`${http}/v1/nope`)).status, 404);
});

Deno.test("a real clip streamed over the ingest socket yields ordered utterance events", opts, async () => {
  const s = newSession();
  await createSession(server, s);
  const events = new TestSocket(tok(`${base}/${s}/events`));
  await events.opened;
  const ingest = new TestSocket(tok(`${base}/${s}/participants/alice/ingest`));
  await ingest.opened;
  ingest.json({ ...HELLO, name: "Alice" });
  await ingest.waitFor((m) => m.some((x) => x.type === "ready"));
  await stream(ingest, padded);
  ingest.json({ type: "end" });
  await ingest.closed;
  assert.equal(ingest.closeCode, 1000);
  await events.waitFor((m) => m.some((x) => x.type === "participant.left"));
  const types = events.messages.map((m) => m.type);
  assert.equal(types[0], "participant.joined");
  assert.ok(types.includes("utterance.start") && types.includes("utterance.end"), String(types));
  // Stored events carry a strictly increasing seq; live-only partials carry none.
  for (const m of events.messages) {
    if (m.type === "emotion.partial") assert.equal(m.seq, undefined, "partials are live-only (no seq)");
    else assert.equal(typeof m.seq, "number", `${m.type} has a seq`);
  }
  const seqs = events.messages.filter((m) => m.type !== "emotion.partial").map((m) => m.seq as number);
  for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], "seq strictly increasing");
  const ref = energySpeechExtent(padded)!;
  const end = events.ofType("utterance.end");
  assert.ok(Math.abs((end[0].startMs as number) - ref.startMs) <= 250, `start ${end[0].startMs} vs ${ref.startMs}`);
  assert.ok(Math.abs((end.at(-1)!.endMs as number) - ref.endMs) <= 250, `end ${end.at(-1)!.endMs} vs ${ref.endMs}`);
  const acoustics = end[0].acoustics as Record<string, number>;
  assert.ok(acoustics.rmsDb < 0 && acoustics.rmsDb > -60, `rms ${acoustics.rmsDb}`);
  // Under CPU overload the VAD treats audio as silence by design (an `overloaded` error says so), and
  // the utterance may then hold too little voiced speech for a voice estimate.
  const overloaded = events.ofType("error").some((e) => e.code === "overloaded");
  if (engine.voice && !overloaded) {
    const emo = events.ofType("emotion");
    assert.ok(emo.length >= 1, "an emotion event per utterance when the voice model is loaded");
    const voice = (emo[0].modalities as Record<string, { probs: number[] }>).voice;
    assert.equal(voice.probs.length, 7);
    assert.ok((emo[0].voiceSummary as Record<string, number>).voicedRatio > 0, "voice summary on final emotion");
    assert.ok(Math.abs(voice.probs.reduce((a, b) => a + b, 0) - 1) < 1e-3);
  }
  events.close();
});

Deno.test("a subscriber reconnecting with since receives exactly the events it missed", opts, async () => {
  const s = newSession();
  await createSession(server, s);
  const ingest = new TestSocket(tok(`${base}/${s}/participants/bob/ingest`));
  await ingest.opened;
  ingest.json(HELLO);
  await stream(ingest, padded);
  ingest.json({ type: "end" });
  await ingest.closed;
  const all = new TestSocket(tok(`${base}/${s}/events`));
  await all.waitFor((m) => m.some((x) => x.type === "participant.left"));
  const seqs = all.messages.map((m) => m.seq as number);
  const k = seqs[1];
  const resumed = new TestSocket(tok(`${base}/${s}/events?since=${k}`));
  await resumed.waitFor((m) => m.some((x) => x.type === "participant.left"));
  assert.deepEqual(resumed.messages.map((m) => m.seq), seqs.filter((q) => q > k));
  const ahead = new TestSocket(tok(`${base}/${s}/events?since=${seqs.at(-1)! + 100}`));
  await ahead.waitFor((m) => m.some((x) => x.type === "participant.left"));
  assert.equal(ahead.messages[0].code, "history_gap");
  assert.deepEqual(ahead.messages.slice(1).map((m) => m.seq), seqs);
  ahead.close();
  const bad = new TestSocket(tok(`${base}/${s}/events?since=-4`));
  await bad.closed;
  assert.equal(bad.closeCode, 4400);
  all.close();
  resumed.close();
});

async function expectError(path: string, steps: (s: TestSocket) => void, code: string, closeCode?: number) {
  const sock = new TestSocket(tok(`${base}/${newSession()}/participants/${path}/ingest`));
  await sock.opened;
  steps(sock);
  if (closeCode !== undefined) {
    await sock.closed;
    assert.equal(sock.closeCode, closeCode, `close code for ${code}`);
  } else {
    await sock.waitFor((m) => m.some((x) => x.type === "error"));
  }
  const err = sock.ofType("error")[0];
  assert.equal(err?.code, code, JSON.stringify(sock.messages));
  sock.close();
}

Deno.test("bad input gets typed errors and the right close codes", opts, async (t) => {
  await t.step("malformed JSON", () => expectError("p1", (s) => (s.json(HELLO), s.send("{nope")), "bad_json"));
  await t.step("unknown type", () => expectError("p1", (s) => (s.json(HELLO), s.json({ type: "dance" })), "unknown_type"));
  await t.step("audio before hello", () => expectError("p1", (s) => s.send(new Uint8Array(640)), "hello_required", 4400));
  await t.step("JSON before hello", () => expectError("p1", (s) => s.json({ type: "end" }), "hello_required", 4400));
  await t.step("odd byte count", () => expectError("p1", (s) => (s.json(HELLO), s.send(new Uint8Array(641))), "misaligned_audio"));
  await t.step(
    "unsupported sample rate",
    () => expectError("p1", (s) => s.json({ type: "hello", audio: { ...HELLO.audio, sampleRate: 96000 } }), "unsupported_format", 4400),
  );
  await t.step(
    "unsupported encoding",
    () => expectError("p1", (s) => s.json({ type: "hello", audio: { ...HELLO.audio, encoding: "mp3" } }), "unsupported_format", 4400),
  );
  await t.step("oversized binary message", () =>
    expectError("p1", (s) => (s.json(HELLO), s.send(new Uint8Array(600 * 1024))), "message_too_large", 1009));
  await t.step("invalid participant id", () => expectError("bad%20id!", () => {}, "bad_id", 4400));
  await t.step("invalid transcript", () =>
    expectError("p1", (s) => (s.json(HELLO), s.json({ type: "transcript", final: true, text: 3, startMs: 0, endMs: 1 })), "bad_message"));
  await t.step("repeated hello", () => expectError("p1", (s) => (s.json(HELLO), s.json(HELLO)), "hello_repeated", 4400));
  await t.step("audio far faster than real time", () =>
    expectError("p1", (s) => {
      s.json(HELLO);
      for (let i = 0; i < 30; i++) s.send(new Uint8Array(32000)); // 1 s per message, all at once
    }, "rate_limited"));
});

Deno.test("a second connection for a streaming participant is refused; others are unaffected", opts, async () => {
  const s = newSession();
  await createSession(server, s);
  const a = new TestSocket(tok(`${base}/${s}/participants/ann/ingest`));
  await a.opened;
  a.json(HELLO);
  await a.waitFor((m) => m.some((x) => x.type === "ready"));
  const dup = new TestSocket(tok(`${base}/${s}/participants/ann/ingest`));
  await dup.closed;
  assert.equal(dup.closeCode, 4409);
  const b = new TestSocket(tok(`${base}/${s}/participants/ben/ingest`));
  await b.opened;
  b.send(new Uint8Array(10)); // fatal for ben only
  await b.closed;
  a.send(toPcm16(padded.subarray(0, 3200)));
  a.json({ type: "end" });
  await a.closed;
  assert.equal(a.closeCode, 1000);
});

Deno.test("a transcript-only participant gets an utterance per final segment", opts, async () => {
  const s = newSession();
  await createSession(server, s);
  const events = new TestSocket(tok(`${base}/${s}/events`));
  await events.opened;
  const p = new TestSocket(tok(`${base}/${s}/participants/typist/ingest`));
  await p.opened;
  p.json({ type: "hello", consent: true });
  p.json({ type: "transcript", final: false, text: "I am so", startMs: 0, endMs: 500 });
  p.json({ type: "transcript", final: true, text: "I am so happy today!", startMs: 0, endMs: 1500 });
  p.json({ type: "end" });
  await p.closed;
  await events.waitFor((m) => m.some((x) => x.type === "participant.left"));
  const end = events.ofType("utterance.end");
  assert.equal(end.length, 1);
  assert.equal(end[0].reason, "transcript");
  if (engine.text) {
    const emo = events.ofType("emotion");
    assert.equal(emo.length, 1);
    assert.equal(emo[0].text, "I am so happy today!");
    assert.ok((emo[0].modalities as Record<string, unknown>).text);
  }
  events.close();
});

globalThis.addEventListener("unload", () => {
  void server.shutdown();
  engine.close();
});
