import assert from "node:assert/strict";
import { decodeAudio } from "../media/decode.ts";
import { startServer } from "../server.ts";
import { DATA_DIR } from "../testing/data.ts";
import { TestSocket, toPcm16 } from "../testing/ws_client.ts";

Deno.test("shutting the server down flushes a participant in mid-utterance", {
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const server = await startServer({ port: 0, engine: { disable: ["face", "text"] } });
  try {
    const base = `ws://127.0.0.1:${server.port}/v1/sessions/shut`;
    const events = new TestSocket(`${base}/events`);
    await events.opened;
    const ingest = new TestSocket(`${base}/participants/pat/ingest`);
    await ingest.opened;
    ingest.json({ type: "hello", audio: { sampleRate: 16000, encoding: "pcm_s16le", channels: 1 } });
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
