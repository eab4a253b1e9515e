import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type SegmenterEvent, VadSegmenter } from "./vad_segmenter.ts";

/** Runs a segmenter over a script of probabilities and returns every event. */
function run(probs: number[], options = {}): SegmenterEvent[] {
  const seg = new VadSegmenter({ partialIntervalMs: 0, ...options });
  const out = probs.flatMap((p) => seg.push(p));
  return [...out, ...seg.flush()];
}

const frames = (ms: number, p: number) => Array(Math.round(ms / 32)).fill(p);

describe("VadSegmenter", () => {
  it("earliestStartMs never moves back and no utterance starts before it", () => {
    const seg = new VadSegmenter({ partialIntervalMs: 0 });
    // silence, a misfire, speech, silence, speech split by maxUtteranceMs
    const script = [
      ...frames(640, 0),
      ...frames(96, 0.9),
      ...frames(640, 0),
      ...frames(960, 0.9),
      ...frames(800, 0.05),
      ...frames(16_000, 0.9),
      ...frames(800, 0),
    ];
    let last = 0;
    for (const p of script) {
      const before = seg.earliestStartMs;
      for (const ev of seg.push(p)) {
        if (ev.kind === "start" || ev.kind === "end" || ev.kind === "misfire") {
          assert.ok(ev.startMs >= before, `${ev.kind} at ${ev.startMs} before the bound ${before}`);
        }
      }
      assert.ok(seg.earliestStartMs >= last, "moved back");
      last = seg.earliestStartMs;
    }
    assert.equal(seg.inSpeech, false);
    assert.equal(seg.earliestStartMs, seg.timeMs - 96);
  });

  it("speechUntilMs: audio up to it ends up in the open utterance, whatever follows", () => {
    const seg = new VadSegmenter({ partialIntervalMs: 0 });
    // speech, a 320 ms pause, speech, then silence that closes the utterance; then a split by maxUtteranceMs
    const script = [
      ...frames(640, 0),
      ...frames(960, 0.9),
      ...frames(320, 0.05),
      ...frames(640, 0.9),
      ...frames(800, 0),
      ...frames(16_000, 0.9),
      ...frames(800, 0),
    ];
    const bounds: number[] = []; // speechUntilMs while each utterance was open
    for (const p of script) {
      for (const ev of seg.push(p)) {
        if (ev.kind === "end") {
          // Everything promised to the utterance lies inside it.
          for (const b of bounds) {
            assert.ok(b <= ev.endMs && b >= ev.startMs, `bound ${b} outside [${ev.startMs}, ${ev.endMs})`);
          }
          bounds.length = 0;
        }
      }
      assert.ok(seg.speechUntilMs <= seg.timeMs);
      if (seg.inSpeech) bounds.push(seg.speechUntilMs);
      else assert.equal(seg.speechUntilMs, seg.earliestStartMs);
    }
    // In the pause the bound stayed at the last speech frame plus the post-roll: 640 + 960 + 64.
    const s2 = new VadSegmenter({ partialIntervalMs: 0 });
    for (const p of [...frames(640, 0), ...frames(960, 0.9), ...frames(320, 0.05)]) s2.push(p);
    assert.ok(s2.inSpeech);
    assert.equal(s2.speechUntilMs, 640 + 960 + 64);
  });

  it("closes an utterance after 500 ms of silence, with pre- and post-roll", () => {
    const ev = run([...frames(640, 0), ...frames(960, 0.9), ...frames(800, 0.05)]);
    assert.deepEqual(ev.map((e) => e.kind), ["start", "end"]);
    const end = ev[1] as Extract<SegmenterEvent, { kind: "end" }>;
    assert.equal(end.startMs, 640 - 96);
    assert.equal(end.endMs, 640 + 960 + 64);
    assert.equal(end.reason, "silence");
    assert.equal(end.speechRatio > 0.6, true);
  });

  it("emits start only after minSpeechMs of speech, dated at the first speech frame", () => {
    const seg = new VadSegmenter({ partialIntervalMs: 0, preRollMs: 0 });
    const kinds: string[] = [];
    for (let i = 0; i < 7; i++) kinds.push(...seg.push(0.9).map((e) => e.kind));
    assert.deepEqual(kinds, []);
    const ev = seg.push(0.9);
    assert.deepEqual(ev, [{ kind: "start", startMs: 0 }]);
  });

  it("treats a burst shorter than minSpeechMs as a misfire", () => {
    const ev = run([...frames(320, 0), ...frames(128, 0.95), ...frames(800, 0)]);
    assert.deepEqual(ev.map((e) => e.kind), ["misfire"]);
  });

  it("keeps speech open through probabilities between the two thresholds (hysteresis)", () => {
    const ev = run([...frames(320, 0.9), ...frames(960, 0.4), ...frames(320, 0.9), ...frames(640, 0)]);
    assert.deepEqual(ev.map((e) => e.kind), ["start", "end"]);
  });

  it("does not open speech on probabilities below the positive threshold", () => {
    assert.deepEqual(run(frames(3200, 0.45)), []);
  });

  it("bridges pauses shorter than minSilenceMs", () => {
    const ev = run([...frames(640, 0.9), ...frames(320, 0.1), ...frames(640, 0.9), ...frames(640, 0)]);
    assert.deepEqual(ev.map((e) => e.kind), ["start", "end"]);
  });

  it("splits speech longer than maxUtteranceMs", () => {
    const ev = run([...frames(5000, 0.9), ...frames(640, 0)], { maxUtteranceMs: 2000, preRollMs: 0 });
    const ends = ev.filter((e) => e.kind === "end") as Extract<SegmenterEvent, { kind: "end" }>[];
    assert.ok(ends.length >= 2);
    assert.equal(ends[0].reason, "max_length");
    assert.equal(ends[0].endMs - ends[0].startMs, 2016);
    assert.equal(ends[1].startMs, ends[0].endMs); // contiguous, no overlap
    assert.equal(ends.at(-1)!.reason, "silence");
  });

  it("closes open speech at the end of the stream, even before it was confirmed", () => {
    const ev = run(frames(288, 0.9), { preRollMs: 0 });
    assert.deepEqual(ev.map((e) => e.kind), ["start", "end"]);
    assert.equal((ev[1] as Extract<SegmenterEvent, { kind: "end" }>).reason, "end_of_stream");
  });

  it("ticks partial windows at the configured cadence", () => {
    const ev = run([...frames(3200, 0.9), ...frames(640, 0)], { partialIntervalMs: 1000, preRollMs: 0 });
    const partials = ev.filter((e) => e.kind === "partial");
    assert.equal(partials.length, 3);
    assert.deepEqual(partials.map((p) => p.startMs), [0, 0, 0]);
    assert.deepEqual(partials.map((p) => p.endMs), [1024, 2016, 3008]);
  });

  it("a partial in a pause ends at the last speech plus the post-roll, not in the silence after it", () => {
    // speech 0–1856 ms, a 320 ms pause in which the second partial (due at 2000 ms) falls, speech again
    const ev = run([...frames(1856, 0.9), ...frames(320, 0.05), ...frames(960, 0.9), ...frames(640, 0)], {
      partialIntervalMs: 1000,
      preRollMs: 0,
    });
    const partials = ev.filter((e) => e.kind === "partial");
    assert.deepEqual(partials.map((p) => p.endMs), [1024, 1856 + 64, 3008], JSON.stringify(partials));
  });

  it("rejects inconsistent options", () => {
    assert.throws(() => new VadSegmenter({ negativeThreshold: 0.8, positiveThreshold: 0.5 }), RangeError);
    assert.throws(() => new VadSegmenter({ minSilenceMs: 1 }), RangeError);
  });
});
