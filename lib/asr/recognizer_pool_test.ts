import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { decodeAudio } from "../media/decode.ts";
import { DATA_DIR } from "../testing/data.ts";
import { JsonLinesProcess } from "./jsonl_process.ts";
import { gridTranscript, ravdessTranscript } from "./known_transcripts.ts";
import { AsrError } from "./recognizer.ts";
import type { RecognizerProcess } from "./recognizer_process.ts";
import { RecognizerPool } from "./recognizer_pool.ts";
import { SphinxProcess } from "./sphinx_process.ts";
import { alignWords, normalizeWords, wordErrorRate } from "./wer.ts";

const RAVDESS = [
  "voice/ravdess/Actor_01/03-01-01-01-01-01-01.flac",
  "voice/ravdess/Actor_02/03-01-01-01-02-01-02.flac",
  "voice/ravdess/Actor_05/03-01-02-01-01-02-05.flac",
  "voice/ravdess/Actor_08/03-01-01-01-02-02-08.flac",
];
const GRID = ["media/grid_lrwp9a.mpg", "media/grid_sbwe5n.mpg"];

Deno.test("known transcripts come from RAVDESS and GRID file names", () => {
  assert.equal(ravdessTranscript("03-01-05-02-02-01-12.flac"), "dogs are sitting by the door");
  assert.equal(gridTranscript("grid_bbaf2n.mpg"), "bin blue at f two now");
  assert.equal(gridTranscript("grid_id2_vcd_swwp2s.mpg"), "set white with p two soon");
  assert.equal(gridTranscript("grid_lwbsza.mpg"), "lay white by s zero again");
  assert.equal(gridTranscript("notgrid.mp4"), undefined);
});

Deno.test("word error rate counts substitutions, deletions and insertions", () => {
  const c = alignWords(
    normalizeWords("kids are talking by the door"),
    normalizeWords("kids talking by a the door now"),
  );
  assert.deepEqual([c.substitutions, c.deletions, c.insertions, c.n], [0, 1, 2, 6]);
  assert.equal(wordErrorRate("a b c", "a x c"), 1 / 3);
  assert.deepEqual(c.hypCorrect, [true, true, true, false, true, true, false]);
});

Deno.test("pocketsphinx recognises RAVDESS and GRID clips within the measured WER bound", async () => {
  const pool = new RecognizerPool({ spawn: () => SphinxProcess.start() });
  try {
    let errors = 0, n = 0;
    const confidences: number[] = [];
    for (const rel of [...RAVDESS, ...GRID]) {
      const ref = ravdessTranscript(rel) ?? gridTranscript(rel)!;
      const r = await pool.recognize(await decodeAudio(`${DATA_DIR}/${rel}`));
      const c = alignWords(normalizeWords(ref), normalizeWords(r.text));
      errors += c.substitutions + c.deletions + c.insertions;
      n += c.n;
      assert.ok(r.confidence >= 0 && r.confidence <= 1);
      for (const w of r.words) {
        assert.ok(w.endMs >= w.startMs && w.startMs >= 0 && w.endMs <= 4000, JSON.stringify(w));
        confidences.push(w.confidence);
      }
    }
    // docs/asr.md: WER over these six clips measured 0.50 (18/36) at commit time; fail on a clear regression.
    assert.ok(errors / n <= 0.75, `WER ${(errors / n).toFixed(3)} over ${n} reference words`);
    assert.ok(confidences.length > 10);
  } finally {
    await pool.close();
  }
});

Deno.test("the pool answers overloaded beyond its queue, never crashes, and serves again", async () => {
  const pcm = await decodeAudio(`${DATA_DIR}/${RAVDESS[0]}`);
  const pool = new RecognizerPool({ spawn: () => SphinxProcess.start(), processes: 1, maxQueue: 2 });
  try {
    const calls = Array.from({ length: 7 }, () => pool.recognize(pcm));
    const settled = await Promise.allSettled(calls);
    const ok = settled.filter((s) => s.status === "fulfilled").length;
    const over = settled.filter((s) => s.status === "rejected" && (s.reason as AsrError).code === "overloaded").length;
    assert.equal(ok, 3); // one running, two queued
    assert.equal(over, 4);
    assert.equal(pool.stats.overloaded, 4);
    const again = await pool.recognize(pcm);
    assert.match(again.text, /door/);
  } finally {
    await pool.close();
  }
});

Deno.test("a recogniser that crashes or hangs is replaced; the call fails with a typed error", async () => {
  const pcm = await decodeAudio(`${DATA_DIR}/${RAVDESS[0]}`);
  const procs: RecognizerProcess[] = [];
  const pool = new RecognizerPool({
    spawn: async () => {
      const p = await SphinxProcess.start();
      procs.push(p);
      return p;
    },
    restartBackoffMs: 0,
  });
  try {
    const first = pool.recognize(pcm);
    setTimeout(() => procs[0].kill(), 300);
    await assert.rejects(first, (e: AsrError) => e instanceof AsrError && e.code === "crashed");
    const second = await pool.recognize(pcm);
    assert.match(second.text, /door/);
    await assert.rejects(
      pool.recognize(pcm, { timeoutMs: 20 }),
      (e: AsrError) => e instanceof AsrError && e.code === "timeout",
    );
    assert.match((await pool.recognize(pcm)).text, /door/);
    assert.equal(procs.length, 3);
    assert.equal(pool.stats.restarts, 2);
  } finally {
    await pool.close();
  }
  const missing = new RecognizerPool({ spawn: () => SphinxProcess.start({ binary: "/nonexistent/pocketsphinx" }) });
  await assert.rejects(missing.recognize(pcm), (e: AsrError) => e.code === "unavailable");
  await missing.close();
});

Deno.test("the JSON-lines transport gives a plugged-in recogniser's words (pocketsphinx behind the wire)", async () => {
  const server = fileURLToPath(new URL("./sphinx_jsonl_server.ts", import.meta.url));
  const deno = Deno.execPath();
  const pool = new RecognizerPool({
    spawn: () => JsonLinesProcess.start({ command: [deno, "run", "--allow-all", server] }),
  });
  try {
    const pcm = await decodeAudio(`${DATA_DIR}/${RAVDESS[0]}`);
    const viaWire = await pool.recognize(pcm, { utteranceId: "alice-1" });
    const direct = await SphinxProcess.start();
    const r = await direct.recognize(pcm, "x");
    direct.kill();
    assert.equal(viaWire.text, r.text);
    assert.deepEqual(viaWire.words, r.words);
    assert.equal(viaWire.model, r.model);
  } finally {
    await pool.close();
  }
});
