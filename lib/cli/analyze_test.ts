/** `analyze --manifest` end to end on real clips, with bad lines that must not crash it. */
import assert from "node:assert/strict";
import { DATA_DIR } from "../testing/data.ts";
import { runAnalyze } from "./analyze.ts";
import { EMOTIONS } from "../emotion/labels.ts";

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
});
