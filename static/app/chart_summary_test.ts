import assert from "node:assert/strict";
import { describeAffect, describeProbabilities } from "./chart_summary.js";
import { SessionModel } from "./session_model.js";

Deno.test("chart text alternatives name the latest utterance estimate, the drawn points and the shifts", () => {
  const m = new SessionModel("s");
  let seq = 0;
  const probs = [0.1, 0.6, 0.05, 0.05, 0.05, 0.05, 0.1];
  const base = { sessionId: "s", participantId: "alice", wallMs: 1 };
  m.apply({ ...base, seq: ++seq, type: "participant.joined", name: "Alice" });
  const p = m.participants.get("alice")!;
  assert.match(describeProbabilities(p), /Alice .*No utterance estimate yet/);
  const e = { ...base, utteranceId: "alice-1", label: "happy", probs, valence: 0.5, arousal: 0.25, modalities: {} };
  m.apply({ ...e, seq: ++seq, type: "emotion", startMs: 0, endMs: 1500 });
  m.apply({ ...e, seq: ++seq, type: "emotion", utteranceId: "alice-w", window: true, startMs: 1500, endMs: 3500 });
  m.apply({ ...base, seq: ++seq, type: "shift", from: "neutral", to: "happy", endMs: 1500 });
  assert.equal(
    describeProbabilities(p),
    "Emotion probabilities of Alice over the last 2 minutes. Latest utterance estimate (final, 0:00.0–0:01.5): " +
      "happy 60 %, neutral 10 %, surprised 10 %. 1 final utterance estimate and 1 face-only window drawn. " +
      "Shifts: to happy at 0:01.5.",
  );
  assert.match(describeAffect(p), /valence \+0\.50, arousal \+0\.25/);
});
