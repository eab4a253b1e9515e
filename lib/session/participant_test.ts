/**
 * Orchestration of one participant with scripted modality stages (test doubles that return
 * fixed distributions) over real VAD on a real clip: text waits and late corrections,
 * face-only windows, and shift events.
 */
import assert from "node:assert/strict";
import { valenceArousal, normalizedEntropy } from "../emotion/affect.ts";
import type { FaceStage, TextStage, Turn, VoiceStage } from "../engine/stages.ts";
import { decodeAudio } from "../media/decode.ts";
import type { ModalityEstimate, Modality } from "../modality/estimate.ts";
import type { EventBody, SessionEvent } from "../protocol/events.ts";
import { SileroVad } from "../segment/silero_vad.ts";
import { DATA_DIR } from "../testing/data.ts";
import { ParticipantStream } from "./participant.ts";

const vad = await SileroVad.load();
const clip = await decodeAudio(`${DATA_DIR}/voice/ravdess/Actor_02/03-01-05-02-01-01-02.flac`);

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
  constructor(private readonly script: number[][]) {}
  calls = 0;
  push() {}
  analyze(span: { final: boolean }) {
    if (!span.final) return Promise.resolve(estimate("voice", NEUTRAL));
    return Promise.resolve(estimate("voice", this.script[Math.min(this.calls++, this.script.length - 1)]));
  }
  summary() {
    return Promise.resolve({ voicedRatio: 0.5 });
  }
  release() {}
}

class ScriptedText implements TextStage {
  turns: Turn[] = [];
  estimate(turn: Turn) {
    return Promise.resolve(estimate("text", /angry|hate/.test(turn.text) ? ANGRY : NEUTRAL));
  }
  commit(turn: Turn) {
    this.turns.push(turn);
  }
}

class ScriptedFace implements FaceStage {
  frames = 0;
  push() {
    this.frames++;
  }
  analyze() {
    return Promise.resolve(this.frames ? { ...estimate("face", NEUTRAL), coverage: 0.8 } : null);
  }
  release() {}
}

function participant(stages: { voice?: VoiceStage; face?: FaceStage; text?: TextStage }, options = {}) {
  const events: SessionEvent[] = [];
  let seq = 0;
  const p = new ParticipantStream({
    sessionId: "s",
    participantId: "p",
    vad,
    stages: { createVoice: () => stages.voice, createFace: () => stages.face },
    text: stages.text,
    publish: (body: EventBody) => {
      const e = { ...body, seq: ++seq, sessionId: "s", wallMs: Date.now() } as SessionEvent;
      events.push(e);
      return e;
    },
    options: { offline: true, ...options },
  });
  return { p, events };
}

/** The clip three times with silence between, as 16 kHz f32 bytes. */
function threeUtterances(): Uint8Array {
  const gap = new Float32Array(16000);
  const all = new Float32Array((clip.length + gap.length) * 3);
  for (let i = 0; i < 3; i++) all.set(clip, i * (clip.length + gap.length));
  return new Uint8Array(all.buffer);
}

const HELLO = { type: "hello" as const, audio: { sampleRate: 16000, encoding: "f32le" as const, channels: 1 as const } };
const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test("a late transcript is attached to its utterance and published as emotion.update", opts, async () => {
  const text = new ScriptedText();
  const { p, events } = participant({ voice: new ScriptedVoice([NEUTRAL]), text }, { textWaitMs: 50 });
  p.hello(HELLO);
  p.transcript({ type: "transcript", final: false, text: "I", startMs: 0, endMs: 100 });
  p.audio(new Uint8Array(new Float32Array(clip).buffer));
  // The emotion goes out after the bounded wait, before the text arrives.
  for (let i = 0; i < 100 && !events.some((e) => e.type === "emotion"); i++) await new Promise((r) => setTimeout(r, 50));
  const end = events.find((e) => e.type === "utterance.end")!;
  assert.ok(end, "utterance closed");
  const first = events.find((e) => e.type === "emotion")!;
  assert.ok(first && !("text" in first), JSON.stringify(events.map((e) => [e.type, (e as any).text])));
  const u = end as Extract<SessionEvent, { type: "utterance.end" }>;
  p.transcript({ type: "transcript", final: true, text: "I hate this", startMs: u.startMs + 100, endMs: u.endMs });
  await p.end();
  const update = events.find((e) => e.type === "emotion.update") as Extract<SessionEvent, { type: "emotion.update" }>;
  assert.ok(update, "update published");
  assert.equal(update.replaces, first.seq);
  assert.equal(update.utteranceId, u.utteranceId);
  assert.equal(update.text, "I hate this");
  assert.ok(update.modalities.text && update.modalities.voice);
  assert.deepEqual(text.turns.map((t) => t.text), ["I hate this"]);
});

Deno.test("the final emotion waits for a transcript that arrives within textWaitMs", opts, async () => {
  const text = new ScriptedText();
  const { p, events } = participant({ voice: new ScriptedVoice([NEUTRAL]), text }, { textWaitMs: 5000 });
  p.hello(HELLO);
  p.transcript({ type: "transcript", final: false, text: "…", startMs: 0, endMs: 100 });
  p.audio(new Uint8Array(new Float32Array(clip).buffer));
  for (let i = 0; i < 100 && !events.some((e) => e.type === "utterance.end"); i++) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(events.filter((e) => e.type === "emotion").length, 0, "still waiting for text");
  const u = events.find((e) => e.type === "utterance.end") as Extract<SessionEvent, { type: "utterance.end" }>;
  p.transcript({ type: "transcript", final: true, text: "kids are talking by the door", startMs: u.startMs, endMs: u.endMs });
  await new Promise((r) => setTimeout(r, 100));
  const emo = events.filter((e) => e.type === "emotion");
  assert.equal(emo.length, 1);
  assert.equal((emo[0] as Extract<SessionEvent, { type: "emotion" }>).text, "kids are talking by the door");
  await p.end();
  assert.equal(events.filter((e) => e.type === "emotion.update").length, 0);
});

Deno.test("a camera-only participant gets periodic face-only estimates", opts, async () => {
  const { p, events } = participant({ face: new ScriptedFace() }, { faceWindowMs: 2000 });
  p.hello({ type: "hello" });
  for (let t = 0; t <= 6500; t += 100) p.face({ timeMs: t, present: true, blendshapes: Array(52).fill(0) } as never);
  await p.end();
  const windows = events.filter((e) => e.type === "emotion") as Extract<SessionEvent, { type: "emotion" }>[];
  assert.deepEqual(windows.map((w) => [w.startMs, w.endMs]).length, 3, JSON.stringify(events.map((e) => [e.type, (e as any).startMs, (e as any).endMs])));
  assert.ok(windows.every((w) => w.window === true && w.modalities.face && w.missing.some((m) => m.modality === "voice")));
  assert.deepEqual(windows.map((w) => [w.startMs, w.endMs]), [[0, 2000], [2000, 4000], [4000, 6000]]);
});

Deno.test("a confident change of state across utterances is published as a shift", opts, async () => {
  const { p, events } = participant({ voice: new ScriptedVoice([NEUTRAL, ANGRY, ANGRY]) });
  p.hello(HELLO);
  p.audio(threeUtterances());
  await p.end();
  const emo = events.filter((e) => e.type === "emotion");
  assert.equal(emo.length, 3);
  const shifts = events.filter((e) => e.type === "shift") as Extract<SessionEvent, { type: "shift" }>[];
  assert.equal(shifts.length, 1);
  assert.equal(shifts[0].from, "neutral");
  assert.equal(shifts[0].to, "angry");
  assert.deepEqual(shifts[0].drivenBy, ["voice"]);
  assert.ok(shifts[0].size > 0.5);
});
