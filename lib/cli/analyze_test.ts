/** `analyze --manifest` end to end on real clips, with bad lines that must not crash it. */
import assert from "node:assert/strict";
import { DATA_DIR } from "../testing/data.ts";
import { runAnalyze } from "./analyze.ts";
import { EMOTIONS } from "../emotion/labels.ts";
import { Engine } from "../engine/engine.ts";
import { sideBySide } from "../speaker/composite.ts";
import { MultiFaceExtractor } from "../offline/multi_face_extractor.ts";
import { analyzeRecording } from "./recording_analyzer.ts";

Deno.test("analyze --manifest returns one line per item in order, errors as lines", {
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const dir = await Deno.makeTempDir();
  const manifest = `${dir}/items.jsonl`;
  const lines = [
    { id: "angry", media: `${DATA_DIR}/voice/ravdess/Actor_03/03-01-05-02-01-01-03.flac`, speaker: "a3" },
    { id: "sad", media: `${DATA_DIR}/voice/ravdess/Actor_03/03-01-04-02-01-01-03.flac`, speaker: "a3" },
    { id: "video", media: `${DATA_DIR}/media/grid_bbaf2n.mpg` },
    { id: "image", media: `${DATA_DIR}/media/pyfeat_single_face.jpg` },
    { id: "t1", text: "You lied to me again!", dialogue: "d", turn: 1, speaker: "A" },
    { id: "t2", text: "I'm so sorry, I didn't mean to hurt you.", dialogue: "d", turn: 2, speaker: "B" },
    { id: "missing", media: `${dir}/nope.wav` },
  ].map((o) => JSON.stringify(o));
  lines.splice(4, 0, "{ not json");
  await Deno.writeTextFile(manifest, lines.join("\n") + "\n");
  const out = `${dir}/preds.jsonl`;
  const code = await runAnalyze({ files: [], manifest, out, faceModelPath: `${DATA_DIR}/models/face_landmarker.task` });
  assert.equal(code, 0);
  const preds = (await Deno.readTextFile(out)).trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(preds.map((p) => p.id), ["angry", "sad", "video", "image", "line-5", "t1", "t2", "missing"]);
  const byId = Object.fromEntries(preds.map((p) => [p.id, p]));
  assert.match(byId["line-5"].error, /not valid JSON/);
  assert.match(byId.missing.error, /no such file/);
  for (const id of ["angry", "sad", "video", "image"]) {
    assert.ok(EMOTIONS.includes(byId[id].label), `${id}: ${JSON.stringify(byId[id])}`);
    assert.equal(byId[id].probs.length, 7);
    assert.ok(Math.abs(byId[id].probs.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-3);
  }
  assert.ok(byId.angry.modalities.voice, "audio items carry a voice entry");
  assert.ok(byId.image.modalities.face, "image items carry a face entry");
  assert.ok(byId.video.modalities.voice && byId.video.modalities.face, "video items carry voice and face");
  if (byId.t1.error === undefined) assert.ok(byId.t1.modalities.text, "text items carry a text entry");
  else assert.match(byId.t1.error, /text model not loaded/);
  // Audio without text: the recogniser's transcript, and text from it.
  for (const id of ["angry", "sad", "video"]) {
    const t = byId[id].transcript;
    assert.equal(t?.source, "asr", `${id}: ${JSON.stringify(t)}`);
    assert.equal(typeof t.text, "string");
    assert.ok(t.confidence >= 0 && t.confidence <= 1);
    assert.equal(t.error, undefined);
    if (t.text && byId.t1.modalities?.text) {
      assert.ok(byId[id].modalities.text, `${id}: ASR text gives a text entry`);
      assert.ok(byId[id].modalities.text.coverage <= t.confidence + 1e-4, "coverage scaled by confidence");
    }
  }
  assert.match(byId.sad.transcript.text, /by the door/); // what pocketsphinx hears in this clip
  assert.equal(byId.t1.transcript, undefined, "client text needs no recogniser");
  assert.equal(byId.image.transcript, undefined, "no audio, no transcript");
});

Deno.test(
  "analyze FILE: a two-face composite gives one participant per face; the speaking face gets the utterance, with speaker {faceId, box}",
  {
    sanitizeOps: false,
    sanitizeResources: false,
  },
  async () => {
    const dir = await Deno.makeTempDir();
    const out = `${dir}/composite.mp4`;
    await sideBySide(`${DATA_DIR}/media/grid_bbaf2n.mpg`, `${DATA_DIR}/media/grid_lrwp9a.mpg`, "right", out);
    const engine = await Engine.load({ asr: {} });
    const ex = await MultiFaceExtractor.open({ modelPath: `${DATA_DIR}/models/face_landmarker.task` });
    const events: Record<string, any>[] = [];
    try {
      await analyzeRecording(engine, out, "f", () => Promise.resolve(ex), (e) => events.push(e));
    } finally {
      await ex.close();
      engine.close();
      await Deno.remove(dir, { recursive: true });
    }
    const joined = events.filter((e) => e.type === "participant.joined").map((e) => e.participantId);
    assert.deepEqual(joined.sort(), ["face-1", "face-2"]);
    const ends = events.filter((e) => e.type === "utterance.end");
    assert.ok(ends.length >= 1);
    for (const e of [...ends, ...events.filter((e) => e.type === "emotion")]) {
      assert.equal(typeof e.speaker?.faceId, "number", JSON.stringify(e));
      assert.equal(e.speaker.box.length, 4);
      assert.ok(e.speaker.box.every((v: number) => v >= 0 && v <= 1));
      assert.equal(`face-${e.speaker.faceId}`, e.participantId);
    }
    // The audio is the right clip's: its utterance is the right-hand face's.
    for (const e of ends) assert.ok(e.speaker.box[0] + e.speaker.box[2] / 2 > 0.5, JSON.stringify(e.speaker));
    // No transcript in a recording: the utterance's text is recognised, and its final emotion has it.
    const spoken = events.find((e) => e.type === "emotion" && !e.window);
    assert.equal(spoken?.transcript?.source, "asr", JSON.stringify(spoken));
    assert.ok(spoken!.text.length > 0 && spoken!.modalities.text);
  },
);

Deno.test(
  "analyze FILE on the multi-face image: the 4 largest faces each get a participant and a face estimate with their box",
  {
    sanitizeOps: false,
    sanitizeResources: false,
  },
  async () => {
    const engine = await Engine.load();
    const ex = await MultiFaceExtractor.open({ modelPath: `${DATA_DIR}/models/face_landmarker.task` });
    const events: Record<string, any>[] = [];
    try {
      await analyzeRecording(
        engine,
        `${DATA_DIR}/media/pyfeat_multi_face.jpg`,
        "img",
        () => Promise.resolve(ex),
        (e) => events.push(e),
      );
    } finally {
      await ex.close();
      engine.close();
    }
    const emotions = events.filter((e) => e.type === "emotion");
    assert.deepEqual(emotions.map((e) => e.participantId).sort(), ["face-1", "face-2", "face-3", "face-4"]);
    for (const e of emotions) {
      assert.ok(e.window && e.modalities.face, JSON.stringify(e));
      assert.equal(`face-${e.speaker.faceId}`, e.participantId);
    }
    const areas = emotions.sort((a, b) => a.speaker.faceId - b.speaker.faceId).map((e) =>
      e.speaker.box[2] * e.speaker.box[3]
    );
    assert.ok(areas.every((a, i) => i === 0 || a <= areas[i - 1] + 1e-6), "ids in order of size");
  },
);
