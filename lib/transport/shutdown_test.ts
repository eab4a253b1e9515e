import assert from "node:assert/strict";
import { decodeAudio } from "../media/decode.ts";
import { startServer } from "../server.ts";
import { createSession, withToken } from "../testing/auth.ts";
import { DATA_DIR } from "../testing/data.ts";
import { TestSocket, toPcm16 } from "../testing/ws_client.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test("shutting the server down flushes a participant in mid-utterance", opts, async () => {
  const server = await startServer({ port: 0, engine: { disable: ["face", "text"] } });
  try {
    const base = `ws://127.0.0.1:${server.port}/v1/sessions/shut`;
    await createSession(server, "shut");
    const events = new TestSocket(withToken(`${base}/events`, server.adminKey));
    await events.opened;
    const ingest = new TestSocket(withToken(`${base}/participants/pat/ingest`, server.adminKey));
    await ingest.opened;
    ingest.json({ type: "hello", consent: true, audio: { sampleRate: 16000, encoding: "pcm_s16le", channels: 1 } });
    const clip = await decodeAudio(`${DATA_DIR}/voice/ravdess/Actor_02/03-01-05-02-01-01-02.flac`);
    // Speech is still going on where the audio stops.
    const pcm = toPcm16(clip.subarray(0, Math.round(clip.length * 0.6)));
    for (let i = 0; i < pcm.length; i += 640) ingest.send(pcm.subarray(i, i + 640));
    await events.waitFor((m) => m.some((x) => x.type === "utterance.start"));
    await server.shutdown();
    await events.waitFor((m) => m.some((x) => x.type === "participant.left"), 3000).catch(() => {});
    const end = events.ofType("utterance.end");
    assert.equal(end.length, 1);
    assert.equal(end[0].reason, "end_of_stream");
    assert.ok(events.ofType("participant.left").length === 1);
    if (server.engine.voice) assert.equal(events.ofType("emotion").length, 1);
  } finally {
    server.engine.close();
  }
});

Deno.test("with a data dir, a restarted server still serves the session's events and continues its seq", opts, async () => {
  const dir = await Deno.makeTempDir();
  const serverOpts = { port: 0, dataDir: dir, engine: { disable: ["voice", "face", "text"] as ("voice" | "face" | "text")[] } };
  const first = await startServer(serverOpts);
  const before: unknown[] = [];
  try {
    const p = new TestSocket(withToken(`ws://127.0.0.1:${first.port}/v1/sessions/kept/participants/ann/ingest`, first.adminKey));
    await p.opened;
    p.json({ type: "hello", name: "Ann", consent: true });
    p.json({ type: "end" });
    await p.closed;
    const ev = new TestSocket(withToken(`ws://127.0.0.1:${first.port}/v1/sessions/kept/events`, first.adminKey));
    await ev.waitFor((m) => m.some((x) => x.type === "participant.left"));
    before.push(...ev.messages);
    ev.close();
  } finally {
    await first.shutdown();
    first.engine.close();
  }
  const second = await startServer(serverOpts);
  try {
    assert.equal(second.adminKey, first.adminKey, "the admin key file is reused");
    const ev = new TestSocket(withToken(`ws://127.0.0.1:${second.port}/v1/sessions/kept/events?since=0`, second.adminKey));
    await ev.waitFor((m) => m.length >= before.length);
    assert.deepEqual(ev.messages.slice(0, before.length), before, "same seq and content");
    const p = new TestSocket(withToken(`ws://127.0.0.1:${second.port}/v1/sessions/kept/participants/bob/ingest`, second.adminKey));
    await p.opened;
    p.json({ type: "hello", consent: true });
    await ev.waitFor((m) => m.some((x) => x.type === "participant.joined" && x.participantId === "bob"));
    assert.equal(ev.messages.at(-1)!.seq, (before.at(-1) as { seq: number }).seq + 1);
    p.close();
    ev.close();
  } finally {
    await second.shutdown();
    second.engine.close();
  }
});
