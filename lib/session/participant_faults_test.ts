/**
 * A participant's stream under faults and abuse, with a scripted VAD (speech probabilities by
 * frame index, requests that fail on demand) and scripted modality stages, so each fault is
 * reproduced exactly: failed VAD requests, error floods, refused audio, rejoins, far-future
 * timestamps, transcript floods, late text and out-of-order finalisation.
 */
import assert from "node:assert/strict";
import { normalizedEntropy, valenceArousal } from "../emotion/affect.ts";
import type { TextStage, Turn, VoiceStage } from "../engine/stages.ts";
import type { Modality, ModalityEstimate } from "../modality/estimate.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { EventBody, SessionEvent } from "../protocol/events.ts";
import type { SileroVad, VadRequest } from "../segment/silero_vad.ts";
import { VAD_FRAME_SAMPLES } from "../segment/silero_vad.ts";
import { ParticipantStream } from "./participant.ts";
import type { ParticipantOptions } from "./participant_options.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const FRAME_MS = 32;

/** A VAD whose probability is scripted by frame index; `fail(call)` makes a request fail. */
function scriptedVad(prob: (frame: number) => number, fail: (call: number) => boolean = () => false) {
  let frames = 0, calls = 0;
  const run = (req: VadRequest) => {
    const out = new Float32Array(req.count);
    for (let k = 0; k < req.count; k++) out[k] = prob(frames++);
    return fail(calls++) ? Promise.reject(new Error("VAD worker failed")) : Promise.resolve(out);
  };
  return { infer: run, inferNow: run } as unknown as SileroVad;
}

function estimate(modality: Modality, probs: number[]): ModalityEstimate {
  return {
    modality,
    probs,
    confidence: Math.max(...probs),
    uncertainty: normalizedEntropy(probs),
    ...valenceArousal(probs),
    coverage: 1,
    model: `scripted-${modality}`,
  };
}
const NEUTRAL = [0.9, 0.02, 0.02, 0.02, 0.02, 0.01, 0.01];
const ANGRY = [0.03, 0.02, 0.02, 0.9, 0.01, 0.01, 0.01];

class ScriptedVoice implements VoiceStage {
  constructor(readonly level = -30, readonly present = true) {}
  push() {}
  analyze() {
    return Promise.resolve(this.present ? estimate("voice", NEUTRAL) : null);
  }
  summary() {
    return Promise.resolve({ voicedRatio: this.present ? 0.5 : 0, levelDb: this.level });
  }
  release() {}
}

/** Text stage whose estimates take `delayMs`; records what it read and what entered the context. */
class SlowText implements TextStage {
  read: string[] = [];
  turns: Turn[] = [];
  constructor(readonly delayMs = 0) {}
  async estimate(turn: Turn) {
    this.read.push(turn.text);
    await new Promise((r) => setTimeout(r, this.delayMs));
    return estimate("text", /angry|hate/.test(turn.text) ? ANGRY : NEUTRAL);
  }
  commit(turn: Turn) {
    this.turns.push(turn);
  }
}

interface Harness {
  p: ParticipantStream;
  events: SessionEvent[];
  clock: { t: number };
}

function participant(
  vad: SileroVad,
  stages: { voice?: VoiceStage; text?: TextStage } = {},
  options: ParticipantOptions = {},
  connection?: number,
): Harness {
  const events: SessionEvent[] = [];
  const clock = { t: 1000 };
  let seq = 0;
  const p = new ParticipantStream({
    sessionId: "s",
    participantId: "p",
    connection,
    vad,
    stages: { createVoice: () => stages.voice },
    text: stages.text,
    publish: (body: EventBody) => {
      const e = { ...body, seq: ++seq, sessionId: "s", wallMs: Date.now() } as SessionEvent;
      events.push(e);
      return e;
    },
    options,
    now: () => clock.t,
  });
  return { p, events, clock };
}

const HELLO = {
  type: "hello" as const,
  audio: { sampleRate: 16000, encoding: "f32le" as const, channels: 1 as const },
};

/** `frames` VAD frames of (silent) f32 audio. */
function audioFrames(frames: number): Uint8Array {
  return new Uint8Array(new Float32Array(frames * VAD_FRAME_SAMPLES).buffer);
}

function ofType<T extends SessionEvent["type"]>(events: SessionEvent[], type: T) {
  return events.filter((e) => e.type === type) as Extract<SessionEvent, { type: T }>[];
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  for (let t = 0; t < ms && !cond(); t += 10) await new Promise((r) => setTimeout(r, 10));
}

Deno.test(
  "a failed VAD request counts its frames as silence, so later utterance times stay right, and is reported once",
  opts,
  async () => {
    // Speech at frames 100–139; the first request (frames 0–9) fails.
    const vad = scriptedVad((f) => (f >= 100 && f < 140 ? 0.9 : 0.01), (call) => call === 0);
    const { p, events } = participant(vad, {}, { offline: true });
    p.hello(HELLO);
    p.audio(audioFrames(10));
    for (let i = 0; i < 190; i++) p.audio(audioFrames(1));
    await p.end();
    const start = ofType(events, "utterance.start")[0];
    assert.ok(start, JSON.stringify(events.map((e) => e.type)));
    assert.equal(start.startMs, 100 * FRAME_MS - 96);
    const end = ofType(events, "utterance.end")[0];
    assert.equal(end.endMs, 140 * FRAME_MS + 64);
    assert.equal(ofType(events, "participant.left")[0].mediaMs, 200 * FRAME_MS);
    const errors = ofType(events, "error");
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, "model_error");
  },
);

Deno.test(
  "repeated pipeline errors of one code are published at most once a second, with the suppressed count",
  opts,
  async () => {
    const vad = scriptedVad(() => 0, () => true);
    const { p, events, clock } = participant(vad, {}, { offline: true });
    p.hello(HELLO);
    for (let i = 0; i < 100; i++) {
      p.audio(audioFrames(1));
      await p.settle();
    }
    assert.equal(ofType(events, "error").length, 1);
    clock.t += 1500;
    p.audio(audioFrames(1));
    await p.settle();
    const errors = ofType(events, "error");
    assert.equal(errors.length, 2);
    assert.match(errors[1].message, /\(99 similar suppressed\)/);
    await p.end();
  },
);

Deno.test("audio refused by the rate limit advances the media clock with silence", opts, async () => {
  const vad = scriptedVad(() => 0.9);
  const { p, clock } = participant(vad, {}, { burstMs: 100 });
  p.hello(HELLO);
  p.audio(audioFrames(2)); // 64 ms at t = 0: within the allowance
  assert.throws(
    () => p.audio(audioFrames(5)),
    (e: unknown) => e instanceof ProtocolError && e.code === "rate_limited" && e.recoverable,
  );
  assert.equal(p.mediaMs, 7 * FRAME_MS);
  clock.t += 10_000;
  p.audio(audioFrames(1));
  assert.equal(p.mediaMs, 8 * FRAME_MS);
  await p.end();
});

Deno.test("utterance ids stay unique within a session when a participant rejoins", opts, async () => {
  const ids: string[] = [];
  for (const connection of [1, 2, undefined, undefined]) {
    const { p, events } = participant(scriptedVad(() => 0), {}, { offline: true }, connection);
    p.hello({ type: "hello" });
    p.transcript({ type: "transcript", final: true, text: "hello there", startMs: 0, endMs: 500 });
    p.transcript({ type: "transcript", final: true, text: "again", startMs: 600, endMs: 900 });
    await p.end();
    ids.push(...ofType(events, "utterance.start").map((e) => e.utteranceId));
  }
  assert.deepEqual(ids.slice(0, 4), ["p-1", "p-2", "p.c2-1", "p.c2-2"]);
  assert.equal(new Set(ids).size, ids.length, ids.join(" "));
  for (const id of ids) assert.match(id, /^[A-Za-z0-9_.-]{1,64}$/);
});

Deno.test("a far-future face timeMs is refused and does not wedge the face stream", opts, async () => {
  const { p, clock } = participant(scriptedVad(() => 0));
  p.hello({ type: "hello" });
  const frame = (timeMs: number) => ({ type: "face" as const, timeMs, present: false });
  p.face(frame(0));
  assert.throws(
    () => p.face(frame(1e15)),
    (e: unknown) => e instanceof ProtocolError && e.code === "bad_message" && e.recoverable,
  );
  clock.t += 100;
  p.face(frame(100)); // still accepted: the bad frame did not move the timeline
  clock.t += 100;
  p.face(frame(200));
  await p.end();
});

Deno.test(
  "a transcript flood is rate limited, the pending buffer is bounded, and endMs is bounded above",
  opts,
  async () => {
    const { p } = participant(scriptedVad(() => 0), {}, { maxPendingSegments: 8 });
    p.hello(HELLO);
    let accepted = 0, limited = 0;
    for (let i = 0; i < 3000; i++) {
      try {
        p.transcript({ type: "transcript", final: true, text: `w${i}`, startMs: 100 + i, endMs: 200 + i });
        accepted++;
      } catch (e) {
        assert.ok(e instanceof ProtocolError && e.code === "rate_limited" && e.recoverable);
        limited++;
      }
    }
    // No audio yet: segments wait for it, at most 8 of them.
    assert.equal(accepted, 8);
    assert.equal(limited, 2992);
    const far = participant(scriptedVad(() => 0)).p;
    far.hello(HELLO);
    assert.throws(
      () => far.transcript({ type: "transcript", final: true, text: "x", startMs: 0, endMs: 1e12 }),
      (e: unknown) => e instanceof ProtocolError && e.code === "bad_message",
    );
    await p.end();
    await far.end();
  },
);

/** Speech at frames [10, 40) and [70, 100) of 160 frames: two utterances. */
const twoUtterances = (f: number) => ((f >= 10 && f < 40) || (f >= 70 && f < 100) ? 0.9 : 0.01);

Deno.test(
  "text attached while the final estimate is computed reaches the estimate, the context and an emotion.update",
  opts,
  async () => {
    const text = new SlowText(150);
    const { p, events } = participant(scriptedVad(twoUtterances), { text }, { offline: true, textWaitMs: 2000 });
    p.hello(HELLO);
    p.transcript({ type: "transcript", final: false, text: "…", startMs: 0, endMs: 100 });
    p.audio(audioFrames(60));
    await until(() => ofType(events, "utterance.end").length === 1);
    const u = ofType(events, "utterance.end")[0];
    p.transcript({ type: "transcript", final: true, text: "I am fine", startMs: u.startMs, endMs: u.endMs });
    await new Promise((r) => setTimeout(r, 50)); // the final estimate is now reading "I am fine"
    p.transcript({ type: "transcript", final: true, text: "I hate this", startMs: u.startMs + 10, endMs: u.endMs });
    await p.end();
    const emotion = ofType(events, "emotion").find((e) => e.utteranceId === u.utteranceId)!;
    assert.equal(emotion.text, "I am fine");
    const update = ofType(events, "emotion.update").find((e) => e.utteranceId === u.utteranceId);
    assert.ok(update, JSON.stringify(events.map((e) => e.type)));
    assert.equal(update.replaces, emotion.seq);
    assert.equal(update.text, "I am fine I hate this");
    assert.equal(update.label, "angry");
    assert.ok(text.read.includes("I am fine I hate this"));
    assert.deepEqual(text.turns.map((t) => t.text), ["I am fine", "I hate this"]);
  },
);

Deno.test("final estimates are published in utterance order even when the first waits for its text", opts, async () => {
  const text = new SlowText(0);
  const { p, events } = participant(scriptedVad(twoUtterances), { voice: new ScriptedVoice(), text }, {
    offline: true,
    textWaitMs: 400,
  });
  p.hello(HELLO);
  p.transcript({ type: "transcript", final: false, text: "…", startMs: 0, endMs: 100 });
  p.audio(audioFrames(160));
  await until(() => ofType(events, "utterance.end").length === 2);
  const [, u2] = ofType(events, "utterance.end");
  // Only the second utterance gets its text: it is ready first, the first waits 400 ms.
  p.transcript({ type: "transcript", final: true, text: "second one", startMs: u2.startMs, endMs: u2.endMs });
  await until(() => ofType(events, "emotion").length === 2);
  await p.end();
  const ends = ofType(events, "utterance.end").map((e) => e.utteranceId);
  assert.deepEqual(ofType(events, "emotion").map((e) => e.utteranceId), ends);
});

Deno.test("a participant that never sends a transcript does not wait textWaitMs for its emotion", opts, async () => {
  const { p, events } = participant(scriptedVad(twoUtterances), { voice: new ScriptedVoice(), text: new SlowText() }, {
    offline: true,
    textWaitMs: 5000,
  });
  p.hello(HELLO);
  p.audio(audioFrames(60));
  await until(() => ofType(events, "emotion").length === 1, 1000);
  assert.equal(ofType(events, "emotion").length, 1);
  await p.end();
});

Deno.test("a span with no usable voice says why the voice is missing", opts, async () => {
  for (
    const [level, reason] of [[-120, "digital_silence"], [-70, "too_quiet"], [-30, "too_little_voiced_speech"]] as const
  ) {
    const { p, events } = participant(scriptedVad(twoUtterances), {
      voice: new ScriptedVoice(level, false),
      text: new SlowText(),
    }, {
      offline: true,
    });
    p.hello(HELLO);
    p.audio(audioFrames(60));
    p.transcript({ type: "transcript", final: true, text: "hello", startMs: 300, endMs: 1300 });
    await p.end();
    const emotion = ofType(events, "emotion")[0];
    assert.ok(emotion, JSON.stringify(events.map((e) => e.type)));
    assert.ok(!emotion.modalities.voice);
    assert.deepEqual(emotion.missing, [{ modality: "voice", reason }, {
      modality: "face",
      reason: "model_unavailable",
    }]);
  }
});
