import assert from "node:assert/strict";
import { HISTORY_MS, SessionModel } from "./session_model.js";

const base = { sessionId: "s", wallMs: 1_000 };
let seq = 0;
const ev = (body: Record<string, unknown>) => ({ ...base, seq: ++seq, ...body });
const probs = (k: number) => Array.from({ length: 7 }, (_, i) => (i === k ? 0.7 : 0.05));
const emotion = (type: string, utteranceId: string, startMs: number, endMs: number, k: number, extra = {}) =>
  ev({
    type,
    participantId: "alice",
    utteranceId,
    startMs,
    endMs,
    label: ["neutral", "happy", "sad"][k],
    probs: probs(k),
    confidence: 0.7,
    uncertainty: 0.5,
    valence: 0.1,
    arousal: 0.2,
    modalities: { voice: { probs: probs(k), label: "neutral", confidence: 0.7, uncertainty: 0.5, weight: 1 } },
    missing: ["face", "text"],
    ...extra,
  });

Deno.test("SessionModel builds a participant's utterances and estimates from events in order", () => {
  seq = 0;
  const m = new SessionModel("s");
  m.apply(ev({ type: "participant.joined", participantId: "alice", name: "Alice" }));
  m.apply(ev({ type: "utterance.start", participantId: "alice", utteranceId: "alice-1", startMs: 900 }));
  m.apply(emotion("emotion.partial", "alice-1", 900, 1900, 0));
  const u0 = m.participants.get("alice")!.utterances.get("alice-1");
  assert.equal(u0.open, true);
  assert.equal(u0.partial.label, "neutral");
  m.apply(ev({
    type: "utterance.end",
    participantId: "alice",
    utteranceId: "alice-1",
    startMs: 900,
    endMs: 2400,
    durationMs: 1500,
    reason: "silence",
  }));
  m.apply(emotion("emotion", "alice-1", 900, 2400, 1, { text: "so happy" }));
  const p = m.participants.get("alice")!;
  assert.equal(p.label, "Alice");
  assert.equal(p.active, true);
  const u = p.utterances.get("alice-1");
  assert.deepEqual([u.open, u.endMs, u.text, u.emotion.label, u.partial], [
    false,
    2400,
    "so happy",
    "happy",
    undefined,
  ]);
  // The final supersedes the utterance's partial in the timeline.
  assert.deepEqual(p.points.map((q) => [q.kind, q.tMs]), [["final", 2400]]);
  assert.equal(p.current.label, "happy");
  assert.equal(p.mediaMs, 2400);
});

Deno.test("SessionModel replaces a final estimate on emotion.update and keeps a later partial from hiding it", () => {
  seq = 0;
  const m = new SessionModel("s");
  m.apply(ev({ type: "participant.joined", participantId: "alice" }));
  const fin = emotion("emotion", "alice-1", 0, 1000, 0);
  m.apply(fin);
  m.apply(emotion("emotion.update", "alice-1", 0, 1000, 2, { replaces: fin.seq, text: "sad words" }));
  const p = m.participants.get("alice")!;
  assert.equal(p.points.filter((q) => q.kind === "final").length, 1);
  assert.equal(p.points[0].probs[2], 0.7);
  assert.equal(p.utterances.get("alice-1").updated, true);
  assert.equal(p.current.label, "sad");
  // A late partial of the same utterance does not displace its final estimate as "current".
  m.apply(emotion("emotion.partial", "alice-1", 0, 800, 1));
  assert.equal(p.current.label, "sad");
});

Deno.test("SessionModel ignores duplicate seqs from an overlapping resume", () => {
  seq = 0;
  const m = new SessionModel("s");
  const joined = ev({ type: "participant.joined", participantId: "alice" });
  const start = ev({ type: "utterance.start", participantId: "alice", utteranceId: "alice-1", startMs: 0 });
  m.apply(joined);
  m.apply(start);
  const before = m.participants.get("alice")!.version;
  assert.equal(m.apply(start), undefined);
  assert.equal(m.apply(joined), undefined);
  assert.equal(m.participants.get("alice")!.version, before);
  assert.equal(m.participants.get("alice")!.joins, 1);
  assert.equal(m.lastSeq, 2);
});

Deno.test("SessionModel keeps face-only windows out of the utterance list and bounds history", () => {
  seq = 0;
  const m = new SessionModel("s");
  m.apply(ev({ type: "participant.joined", participantId: "alice" }));
  for (let t = 2000; t <= HISTORY_MS + 60_000; t += 2000) {
    m.apply(emotion("emotion", `alice-w${t}`, t - 2000, t, 0, { window: true }));
  }
  const p = m.participants.get("alice")!;
  assert.equal(p.utterances.size, 0);
  assert.ok(p.points.every((q) => q.kind === "window"));
  assert.ok(p.points[0].tMs >= p.points.at(-1)!.tMs - HISTORY_MS, "old points dropped");
  assert.equal(p.current, undefined, "a face-only window is not a headline");
  assert.equal(p.window.window, true);
});

Deno.test("SessionModel headline: the latest utterance estimate, never a face-only window, and the chart ends on it", () => {
  seq = 0;
  const m = new SessionModel("s");
  m.apply(ev({ type: "participant.joined", participantId: "alice" }));
  m.apply(emotion("emotion", "alice-1", 0, 1000, 2));
  // Face-only windows between utterances: shown as windows, the headline stays the utterance.
  m.apply(emotion("emotion", "alice-w1", 1000, 3000, 1, { window: true }));
  m.apply(emotion("emotion", "alice-w2", 3000, 5000, 1, { window: true }));
  const p = m.participants.get("alice")!;
  assert.equal(p.current.utteranceId, "alice-1");
  assert.equal(p.window.utteranceId, "alice-w2");
  // A second utterance: its running partial is the headline while it runs…
  m.apply(emotion("emotion.partial", "alice-2", 5000, 6500, 0));
  assert.equal(p.current.type, "emotion.partial");
  // …and a partial whose span ends after the final is dropped when the final arrives.
  m.apply(emotion("emotion.partial", "alice-2", 5000, 7200, 0));
  m.apply(emotion("emotion", "alice-2", 5000, 7000, 1));
  m.apply(emotion("emotion.partial", "alice-2", 5000, 7400, 0));
  assert.deepEqual(
    p.points.filter((q) => q.utteranceId === "alice-2").map((q) => [q.kind, q.tMs]),
    [["final", 7000]],
  );
  assert.equal(p.current.type, "emotion");
  assert.equal(p.current.label, "happy");
  // A late update of an older utterance replaces that utterance's point but not the headline.
  m.apply(emotion("emotion.update", "alice-1", 0, 1000, 0, { replaces: 2 }));
  assert.equal(p.current.utteranceId, "alice-2");
  assert.equal(p.utterances.get("alice-1").emotion.label, "neutral");
  const lastUtterancePoint = p.points.filter((q) => q.kind !== "window").at(-1)!;
  assert.equal(lastUtterancePoint.event, p.current, "the chart's end label is the headline's");
});

Deno.test("SessionModel starts a fresh timeline when a participant rejoins, and records shifts and errors", () => {
  seq = 0;
  const m = new SessionModel("s");
  m.apply(ev({ type: "participant.joined", participantId: "alice" }));
  m.apply(emotion("emotion", "alice-1", 0, 1000, 0));
  m.apply(ev({
    type: "shift",
    participantId: "alice",
    from: "neutral",
    to: "happy",
    size: 0.4,
    confidence: 0.8,
    fromUtteranceIds: [],
    toUtteranceIds: [],
    drivenBy: ["voice"],
    startMs: 0,
    endMs: 1000,
  }));
  m.apply(ev({ type: "error", participantId: "alice", code: "rate_limited", message: "x", recoverable: true }));
  m.apply(ev({ type: "error", code: "internal", message: "session-wide", recoverable: true }));
  m.apply(ev({ type: "participant.left", participantId: "alice", reason: "disconnect", mediaMs: 5000 }));
  const p = m.participants.get("alice")!;
  assert.deepEqual([p.active, p.leftReason, p.mediaMs, p.shifts.length, p.errors.length], [
    false,
    "disconnect",
    5000,
    1,
    1,
  ]);
  assert.equal(m.errors.length, 1);
  m.apply(ev({ type: "participant.joined", participantId: "alice", name: "Alice again" }));
  assert.deepEqual([p.active, p.joins, p.points.length, p.utterances.size, p.shifts.length, p.mediaMs], [
    true,
    2,
    0,
    0,
    0,
    0,
  ]);
});

Deno.test("SessionModel applies live-only partials that carry no seq without moving the resume point", () => {
  seq = 0;
  const m = new SessionModel("s");
  m.apply(ev({ type: "participant.joined", participantId: "alice", name: "Alice" }));
  m.apply(ev({ type: "utterance.start", participantId: "alice", utteranceId: "alice-1", startMs: 900 }));
  const before = m.lastSeq;
  const { seq: _drop, ...partial } = emotion("emotion.partial", "alice-1", 900, 1900, 1);
  seq--; // the partial took no seq
  m.apply(partial);
  const p = m.participants.get("alice")!;
  assert.equal(p.current?.type, "emotion.partial");
  assert.equal(m.lastSeq, before);
  // An event without seq of any other type is still refused.
  const { seq: _x, ...bad } = ev({ type: "utterance.start", participantId: "alice", utteranceId: "alice-9", startMs: 1 });
  assert.equal(m.apply(bad), undefined);
});
