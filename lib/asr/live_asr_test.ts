/**
 * Live speech recognition through a real participant stream: a RAVDESS clip with no transcript
 * gets its text from pocketsphinx, entering as a transcript does (text estimate, context,
 * fusion); hello `asr: false` and client transcripts keep the recogniser out.
 */
import assert from "node:assert/strict";
import { Engine } from "../engine/engine.ts";
import { decodeAudio } from "../media/decode.ts";
import type { SessionEvent } from "../protocol/events.ts";
import { Session } from "../session/session.ts";
import { DATA_DIR } from "../testing/data.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
// pocketsphinx hears this clip word for word ("dogs are sitting by the door").
const CLIP = `${DATA_DIR}/voice/ravdess/Actor_02/03-01-01-01-02-01-02.flac`;
const HELLO = {
  type: "hello" as const,
  audio: { sampleRate: 16000, encoding: "f32le" as const, channels: 1 as const },
};

async function run(hello: Record<string, unknown>, transcript?: string): Promise<SessionEvent[]> {
  const engine = await Engine.load({ disable: ["face"], asr: {} });
  const session = new Session("asr-test", engine.vad, engine, { participant: { offline: true, textWaitMs: 10_000 } });
  const events: SessionEvent[] = [];
  session.events.subscribe(0, (e) => void events.push(e));
  const p = session.join("alice", { consent: true });
  try {
    p.hello({ ...HELLO, ...hello } as typeof HELLO);
    const pcm = await decodeAudio(CLIP);
    if (transcript) {
      p.transcript({ type: "transcript", final: true, text: transcript, startMs: 0, endMs: pcm.length / 16 });
    }
    const tail = new Float32Array(16000); // 1 s of silence closes the utterance
    for (const part of [pcm, tail]) p.audio(new Uint8Array(new Float32Array(part).buffer));
    await p.end("end");
  } finally {
    engine.close();
  }
  return events;
}

Deno.test(
  "audio without transcripts gets ASR text: source asr, word times on the media clock, text in fusion",
  opts,
  async () => {
    const events = await run({});
    const emotion = events.find((e) => e.type === "emotion") as Record<string, any>;
    assert.ok(emotion, JSON.stringify(events.map((e) => e.type)));
    assert.equal(emotion.text, "dogs are sitting by the door");
    assert.equal(emotion.transcript.source, "asr");
    assert.ok(emotion.transcript.confidence > 0 && emotion.transcript.confidence <= 1);
    const end = events.find((e) => e.type === "utterance.end") as Record<string, any>;
    for (const w of emotion.transcript.words) {
      assert.ok(
        w.startMs >= end.startMs - 200 && w.endMs <= end.endMs + 200,
        JSON.stringify([w, end.startMs, end.endMs]),
      );
    }
    assert.ok(emotion.modalities.text, "text estimate from ASR text");
    assert.ok(
      emotion.modalities.text.coverage <= emotion.transcript.confidence + 1e-4,
      "coverage scaled by confidence",
    );
    assert.ok(!events.some((e) => e.type === "error"), JSON.stringify(events.filter((e) => e.type === "error")));
  },
);

Deno.test("hello asr:false opts out; a client transcript takes precedence over the recogniser", opts, async () => {
  const off = await run({ asr: false });
  const e1 = off.find((e) => e.type === "emotion") as Record<string, any>;
  assert.ok(e1 && e1.text === undefined && e1.transcript === undefined && !e1.modalities.text);
  const client = await run({}, "I cannot believe the dogs are back");
  const e2 = client.find((e) => e.type === "emotion") as Record<string, any>;
  assert.equal(e2.text, "I cannot believe the dogs are back");
  assert.equal(e2.transcript, undefined);
});

Deno.test(
  "live, recognised text does not delay the final emotion: it follows as an emotion.update",
  opts,
  async () => {
    const engine = await Engine.load({ disable: ["face"], asr: {} });
    // A long text wait: if the final waited on recognition, it would come only after the text.
    const session = new Session("asr-live", engine.vad, engine, {
      participant: { textWaitMs: 10_000, burstMs: 120_000 },
    });
    const events: SessionEvent[] = [];
    session.events.subscribe(0, (e) => void events.push(e));
    const p = session.join("alice", { consent: true });
    try {
      p.hello(HELLO);
      const pcm = await decodeAudio(CLIP);
      const all = new Float32Array(pcm.length + 16000);
      all.set(pcm);
      for (let i = 0; i < all.length; i += 320) {
        p.audio(new Uint8Array(all.slice(i, i + 320).buffer));
        if ((i / 320) % 25 === 24) await p.settle();
      }
      await p.end("end");
    } finally {
      engine.close();
    }
    const emotion = events.find((e) => e.type === "emotion") as Record<string, any>;
    const update = events.find((e) => e.type === "emotion.update") as Record<string, any>;
    assert.ok(emotion && update, JSON.stringify(events.map((e) => e.type)));
    assert.equal(emotion.transcript, undefined, "the final did not wait for recognition");
    assert.equal(update.replaces, emotion.seq);
    assert.equal(update.transcript.source, "asr");
    assert.equal(update.text, "dogs are sitting by the door");
    assert.ok(update.modalities.text, "the update carries the text estimate");
  },
);
