/**
 * Soak and fault injection through the in-process APIs (SessionRegistry, Session, ParticipantStream)
 * with the real Silero VAD on real speech: a participant flooding every message type does not
 * disturb a clean participant in another session, and 200 short sessions coming and going leave
 * memory and the registry bounded.
 */
import assert from "node:assert/strict";
import { normalizedEntropy, valenceArousal } from "../emotion/affect.ts";
import type { StageFactory, VoiceStage } from "../engine/stages.ts";
import { decodeAudio } from "../media/decode.ts";
import type { ModalityEstimate } from "../modality/estimate.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { SessionEvent } from "../protocol/events.ts";
import { SileroVad } from "../segment/silero_vad.ts";
import { DATA_DIR } from "../testing/data.ts";
import { SessionRegistry } from "./session_registry.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const vad = await SileroVad.load();
const clip = await decodeAudio(`${DATA_DIR}/voice/ravdess/Actor_02/03-01-05-02-01-01-02.flac`);
const NEUTRAL = [0.9, 0.02, 0.02, 0.02, 0.02, 0.01, 0.01];

const voice = (): VoiceStage => ({
  push() {},
  analyze: () =>
    Promise.resolve<ModalityEstimate>({
      modality: "voice",
      probs: NEUTRAL,
      confidence: 0.9,
      uncertainty: normalizedEntropy(NEUTRAL),
      ...valenceArousal(NEUTRAL),
      coverage: 1,
      model: "scripted-voice",
    }),
  summary: () => Promise.resolve({ voicedRatio: 0.5, levelDb: -25 }),
  release() {},
});
const stages: StageFactory = { createVoice: voice };
const HELLO = {
  type: "hello" as const,
  consent: true,
  audio: { sampleRate: 16000, encoding: "f32le" as const, channels: 1 as const },
};
const bytes = (x: Float32Array) => new Uint8Array(x.slice().buffer);

Deno.test(
  "a participant flooding every message type leaves a clean participant's utterances and emotions intact",
  opts,
  async () => {
    const registry = new SessionRegistry(vad, stages, { session: { participant: { textWaitMs: 0 } } });
    try {
      const clean = await registry.create("clean");
      const flood = await registry.create("flood");
      const c = clean.session.join("alice", { consent: true });
      const f = flood.session.join("mallory", { consent: true });
      c.hello(HELLO);
      f.hello(HELLO);
      const refused: Record<string, number> = {};
      const attempt = (fn: () => void) => {
        try {
          fn();
        } catch (e) {
          assert.ok(e instanceof ProtocolError, String(e));
          refused[e.code] = (refused[e.code] ?? 0) + 1;
        }
      };
      // The clean participant streams the clip and 1 s of silence in real time, 20 ms at a time;
      // between its messages the flooder sends bursts of everything.
      const audio = new Float32Array(clip.length + 16000);
      audio.set(clip);
      const t0 = performance.now();
      let sent = 0;
      for (let i = 0; i < audio.length; i += 320) {
        c.audio(bytes(audio.subarray(i, i + 320)));
        for (let k = 0; k < 20; k++) {
          const n = sent++;
          attempt(() =>
            f.transcript({ type: "transcript", final: n % 2 === 0, text: `word ${n}`, startMs: 0, endMs: 10 })
          );
          attempt(() => f.face({ type: "face", timeMs: n % 3 === 0 ? 1e15 : n, present: false }));
          attempt(() => f.audio(bytes(new Float32Array(320))));
          attempt(() => f.audio(new Uint8Array(3))); // misaligned
          if (k === 0) attempt(() => f.hello(HELLO)); // repeated hello
        }
        const due = t0 + ((i + 320) / 16000) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      await c.end();
      await f.end();
      const cleanEvents = await clean.session.events.read(0, 10_000);
      const floodEvents = await flood.session.events.read(0, 10_000);
      const types = (es: SessionEvent[]) => es.map((e) => e.type);
      assert.equal(
        types(cleanEvents).filter((t) => t === "utterance.end").length,
        1,
        JSON.stringify(types(cleanEvents)),
      );
      assert.equal(types(cleanEvents).filter((t) => t === "emotion").length, 1);
      assert.equal(
        types(cleanEvents).filter((t) => t === "error").length,
        0,
        JSON.stringify(cleanEvents.filter((e) => e.type === "error")),
      );
      // The flood was refused by the limits and left little in its own history.
      assert.ok((refused.rate_limited ?? 0) > sent / 2, JSON.stringify(refused));
      assert.ok((refused.bad_message ?? 0) > 0 && refused.misaligned_audio === sent && refused.hello_repeated > 0);
      assert.ok(floodEvents.length < 200, `${floodEvents.length} flood events`);
    } finally {
      registry.close();
    }
  },
);

Deno.test("short sessions coming and going leave the registry empty and the heap bounded", opts, async () => {
  // A child process, so the heap can be measured after a full GC (--expose-gc).
  const script = new URL("./testdata/short_sessions_soak.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--v8-flags=--expose-gc", script, "400", "100"],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.ok(out.success);
  const curve = new TextDecoder().decode(out.stdout).trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(curve.length, 4);
  for (const point of curve) assert.equal(point.held, 0);
  // Measured: 11.1, 11.5, 12.3, 12.7 MB (the in-memory store keeps each session's few events).
  // Each participant's level meter alone is ~108 KB: 100 sessions kept would add over 10 MB.
  const growth = curve[3].heapMb - curve[0].heapMb;
  assert.ok(growth < 4, `heap grew ${growth.toFixed(1)} MB from 100 to 400 sessions: ${JSON.stringify(curve)}`);
});
