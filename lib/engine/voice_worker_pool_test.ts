/**
 * The voice worker pool under faults: a hung worker makes requests fail with a typed error
 * after `timeoutMs` (not hang), is replaced, and shutdown completes; the pool refuses requests
 * beyond `maxPending` instead of queueing without bound; a real worker serves a stream.
 */
import assert from "node:assert/strict";
import { SchedulerOverloadError } from "../inference/batch_scheduler.ts";
import type { EventBody, SessionEvent } from "../protocol/events.ts";
import type { SileroVad, VadRequest } from "../segment/silero_vad.ts";
import { ParticipantStream } from "../session/participant.ts";
import { DEFAULT_MODELS_DIR } from "./engine.ts";
import { VoiceWorkerError, VoiceWorkerPool } from "./voice_worker_pool.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const HUNG = new URL("./testdata/hung_voice_worker.ts", import.meta.url);
const span = { utteranceId: "u", startMs: 0, endMs: 1000, final: true };

Deno.test(
  "a hung voice worker fails requests with VoiceWorkerError after timeoutMs, is restarted, and closes",
  opts,
  async () => {
    const pool = await VoiceWorkerPool.start(DEFAULT_MODELS_DIR, { workerUrl: HUNG, timeoutMs: 200 });
    const stage = pool.open();
    stage.push(new Float32Array(16000));
    const t0 = performance.now();
    await assert.rejects(stage.analyze(span), VoiceWorkerError);
    assert.ok(performance.now() - t0 < 2000);
    assert.equal(pool.restarts, 1);
    while (pool.restarting) await new Promise((r) => setTimeout(r, 20));
    const waiting = stage.analyze(span); // the new worker hangs too
    pool.close();
    await assert.rejects(waiting, /closed/);
    await assert.rejects(stage.analyze(span), VoiceWorkerError);
  },
);

Deno.test("the voice worker pool refuses requests beyond maxPending", opts, async () => {
  const pool = await VoiceWorkerPool.start(DEFAULT_MODELS_DIR, { workerUrl: HUNG, timeoutMs: 5000, maxPending: 4 });
  const stage = pool.open();
  const waiting = Array.from({ length: 4 }, () => stage.analyze(span).catch((e) => e));
  await assert.rejects(stage.analyze(span), SchedulerOverloadError);
  pool.close();
  for (const e of await Promise.all(waiting)) assert.ok(e instanceof VoiceWorkerError);
});

Deno.test("a participant whose voice worker hangs still gets its emotion and ends", opts, async () => {
  const pool = await VoiceWorkerPool.start(DEFAULT_MODELS_DIR, { workerUrl: HUNG, timeoutMs: 300 });
  let frame = 0;
  const vad = {
    inferNow: (req: VadRequest) =>
      Promise.resolve(Float32Array.from({ length: req.count }, () => (frame++ >= 10 && frame < 40 ? 0.9 : 0.01))),
  } as unknown as SileroVad;
  const events: SessionEvent[] = [];
  const text = {
    estimate: () => Promise.resolve(null),
    commit: () => {},
  };
  const p = new ParticipantStream({
    sessionId: "s",
    participantId: "p",
    connection: 1,
    vad,
    stages: { createVoice: () => pool.open() },
    text,
    publish: (body: EventBody) => {
      const e = { ...body, seq: events.length + 1, sessionId: "s", wallMs: 0 } as SessionEvent;
      events.push(e);
      return e;
    },
    options: { offline: true },
  });
  p.hello({ type: "hello", audio: { sampleRate: 16000, encoding: "f32le", channels: 1 } });
  p.audio(new Uint8Array(new Float32Array(60 * 512).buffer));
  const t0 = performance.now();
  await p.end();
  assert.ok(performance.now() - t0 < 5000, "end() does not wait on the hung worker");
  assert.ok(events.some((e) => e.type === "utterance.end"));
  const errors = events.filter((e) => e.type === "error") as Extract<SessionEvent, { type: "error" }>[];
  assert.ok(errors.length >= 1 && errors.every((e) => e.code === "model_error"), JSON.stringify(errors));
  assert.ok(events.some((e) => e.type === "participant.left"));
  pool.close();
});

Deno.test("a real voice worker serves a stream", opts, async () => {
  const pool = await VoiceWorkerPool.start(DEFAULT_MODELS_DIR, { timeoutMs: 20_000 });
  try {
    const stage = pool.open();
    const tone = Float32Array.from({ length: 32000 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 140 * i) / 16000));
    stage.push(tone);
    const s = await stage.summary({ ...span, endMs: 2000 }) as { voicedRatio: number };
    assert.ok(s.voicedRatio > 0.5, JSON.stringify(s));
    assert.equal(pool.shedSamples, 0);
  } finally {
    pool.close();
  }
});

Deno.test("audio is shed, not queued without bound, when the voice worker falls behind", opts, async () => {
  const pool = await VoiceWorkerPool.start(DEFAULT_MODELS_DIR, { workerUrl: HUNG, maxLagMs: 3000 });
  const stage = pool.open();
  for (let i = 0; i < 500; i++) stage.push(new Float32Array(320)); // 10 s in 20 ms messages; the worker confirms none
  assert.ok(pool.lagMs <= 3000 + 20, `lag ${pool.lagMs}`);
  // Posted until the lag passed 3000 ms (151 messages), shed after.
  assert.equal(pool.shedSamples, 500 * 320 - (Math.floor((3000 * 16) / 320) + 1) * 320);
  pool.close();
});

Deno.test(
  "audio of several streams gathered into batched pushes gives each stream its own estimate",
  opts,
  async () => {
    const { decodeAudio } = await import("../media/decode.ts");
    const { DATA_DIR } = await import("../testing/data.ts");
    const { VoiceModel, VoiceStream } = await import("../voice/mod.ts");
    const clips = await Promise.all(
      ["03-01-05-02-01-01-01", "03-01-03-01-02-01-01"].map((c) =>
        decodeAudio(`${DATA_DIR}/voice/ravdess/Actor_01/${c}.flac`)
      ),
    );
    const pool = await VoiceWorkerPool.start(DEFAULT_MODELS_DIR, { timeoutMs: 20_000 });
    const model = await VoiceModel.load(DEFAULT_MODELS_DIR);
    try {
      const stages = clips.map(() => pool.open());
      const n = Math.min(...clips.map((c) => c.length));
      // Interleaved 20 ms chunks, as live participants send them; an analysis of stream 0 half-way
      // must see exactly the audio pushed before it.
      const half = Math.floor(n / 2 / 320) * 320;
      for (let o = 0; o < half; o += 320) clips.forEach((c, i) => stages[i].push(c.subarray(o, o + 320)));
      const early = await stages[0].analyze({ utteranceId: "a", startMs: 0, endMs: half / 16, final: false });
      // The halves come faster than real time: let the worker catch up (beyond maxLagMs audio is shed).
      // (lagMs counts audio since the last backlog mark, at most 16,000 samples over the streams.)
      while (pool.lagMs > 16000 / 2 / 16) await new Promise((r) => setTimeout(r, 5));
      for (let o = half; o + 320 <= n; o += 320) clips.forEach((c, i) => stages[i].push(c.subarray(o, o + 320)));
      const endMs = Math.floor(n / 320) * 20;
      const got = await Promise.all(stages.map((s) => s.analyze({ utteranceId: "b", startMs: 0, endMs, final: true })));
      const expected = async (c: Float32Array, to: number, endAt: number) => {
        const s = new VoiceStream(model);
        s.push(c.subarray(0, to));
        return await s.analyze({ utteranceId: "x", startMs: 0, endMs: endAt, final: true });
      };
      const e0 = await expected(clips[0], half, half / 16);
      assert.deepEqual(early?.probs, e0?.probs);
      for (let i = 0; i < clips.length; i++) {
        const e = await expected(clips[i], Math.floor(n / 320) * 320, endMs);
        assert.ok(got[i] && e, "both estimate");
        got[i]!.probs.forEach((p, k) =>
          assert.ok(Math.abs(p - e!.probs[k]) < 1e-6, `stream ${i} class ${k}: ${p} vs ${e!.probs[k]}`)
        );
      }
    } finally {
      pool.close();
    }
  },
);

Deno.test("voice worker shards: participants spread over the workers, each served, all closed", opts, async () => {
  const { VoiceWorkerShards } = await import("./voice_worker_shards.ts");
  await assert.rejects(VoiceWorkerShards.start(DEFAULT_MODELS_DIR, 0), RangeError);
  const shards = await VoiceWorkerShards.start(DEFAULT_MODELS_DIR, 2, { timeoutMs: 20_000 });
  try {
    const stages = [shards.open(), shards.open(), shards.open()];
    assert.deepEqual(shards.pools.map((p) => p.streams), [2, 1], "least-loaded first");
    const tone = Float32Array.from({ length: 32000 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 140 * i) / 16000));
    for (const s of stages) s.push(tone);
    const sums = await Promise.all(
      stages.map((s) => s.summary({ ...span, endMs: 2000 }) as Promise<{ voicedRatio: number }>),
    );
    for (const s of sums) assert.ok(s.voicedRatio > 0.5, JSON.stringify(s));
    stages[0].release();
    assert.deepEqual(shards.pools.map((p) => p.streams), [1, 1]);
    assert.equal(shards.name, shards.pools[1].name);
  } finally {
    shards.close();
  }
});

Deno.test("a voice worker with requests waiting reports itself behind (partials are then skipped)", opts, async () => {
  const pool = await VoiceWorkerPool.start(DEFAULT_MODELS_DIR, { workerUrl: HUNG, timeoutMs: 5000 });
  const stage = pool.open();
  assert.equal(stage.behind?.(), false);
  const waiting = [stage.analyze(span), stage.analyze(span)]; // the hung worker answers neither
  assert.equal(stage.behind?.(), true);
  pool.close();
  await Promise.allSettled(waiting);
});

Deno.test("the segmenter's position travels to the worker: audio no utterance can cover is not analysed", opts, async () => {
  const { decodeAudio } = await import("../media/decode.ts");
  const { DATA_DIR } = await import("../testing/data.ts");
  const audio = await decodeAudio(`${DATA_DIR}/voice/ravdess/Actor_04/03-01-05-02-01-01-04.flac`);
  const pool = await VoiceWorkerPool.start(DEFAULT_MODELS_DIR);
  try {
    const told = pool.open(), untold = pool.open();
    const ms = Math.floor(audio.length / 16);
    for (let i = 0; i < audio.length; i += 320) {
      told.push(audio.subarray(i, i + 320));
      untold.push(audio.subarray(i, i + 320));
      told.speech!((i + 320) / 16, false); // no speech found anywhere
    }
    const whole = { utteranceId: "w", startMs: 0, endMs: ms, final: false };
    assert.ok(await untold.analyze(whole), "a stream never told analyses every frame");
    assert.equal(await told.analyze(whole), null);
    assert.equal(await told.summary(whole), null);
  } finally {
    pool.close();
  }
});
