import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseClientMessage } from "./client_messages.ts";
import { ProtocolError } from "./errors.ts";
import { validateId } from "./ids.ts";

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ProtocolError, String(err));
    return err.code;
  }
  throw new Error("expected a ProtocolError");
}

const blend = Array(52).fill(0.1);

describe("parseClientMessage", () => {
  it("accepts a hello with a supported audio format", () => {
    const m = parseClientMessage('{"type":"hello","audio":{"sampleRate":48000,"encoding":"f32le","channels":2}}');
    assert.deepEqual(m, { type: "hello", audio: { sampleRate: 48000, encoding: "f32le", channels: 2 } });
  });

  it("defaults channels to 1 and accepts a hello without audio", () => {
    assert.deepEqual(parseClientMessage('{"type":"hello","audio":{"sampleRate":8000,"encoding":"pcm_s16le"}}'), {
      type: "hello",
      audio: { sampleRate: 8000, encoding: "pcm_s16le", channels: 1 },
    });
    assert.deepEqual(parseClientMessage('{"type":"hello","name":"Ann"}'), { type: "hello", name: "Ann" });
  });

  it("rejects sample rates outside 8–48 kHz, other encodings and channel counts as unsupported", () => {
    assert.equal(code(() => parseClientMessage('{"type":"hello","audio":{"sampleRate":4000,"encoding":"f32le"}}')), "unsupported_format");
    assert.equal(code(() => parseClientMessage('{"type":"hello","audio":{"sampleRate":16000,"encoding":"opus"}}')), "unsupported_format");
    assert.equal(
      code(() => parseClientMessage('{"type":"hello","audio":{"sampleRate":16000,"encoding":"f32le","channels":6}}')),
      "unsupported_format",
    );
  });

  it("parses transcripts with word timings and rejects inverted times", () => {
    const m = parseClientMessage(JSON.stringify({
      type: "transcript",
      id: "s1",
      final: true,
      text: "hi there",
      startMs: 100,
      endMs: 900,
      language: "en-US",
      words: [{ text: "hi", startMs: 100, endMs: 300 }, { text: "there", startMs: 350, endMs: 900 }],
    }));
    assert.equal(m.type, "transcript");
    assert.equal(code(() => parseClientMessage('{"type":"transcript","final":true,"text":"x","startMs":5,"endMs":1}')), "bad_message");
  });

  it("parses face messages through the face frame validator", () => {
    const m = parseClientMessage(JSON.stringify({ type: "face", timeMs: 40, present: true, blendshapes: blend }));
    assert.equal(m.type, "face");
    assert.equal(code(() => parseClientMessage(JSON.stringify({ type: "face", timeMs: 40, present: true }))), "bad_message");
  });

  it("names the problem for malformed JSON, unknown types and unknown fields", () => {
    assert.equal(code(() => parseClientMessage("{")), "bad_json");
    assert.equal(code(() => parseClientMessage("[1]")), "bad_message");
    assert.equal(code(() => parseClientMessage('{"type":"zap"}')), "unknown_type");
    assert.equal(code(() => parseClientMessage('{"type":"end","extra":1}')), "bad_message");
  });

  it("refuses oversized text messages", () => {
    assert.equal(code(() => parseClientMessage(" ".repeat(70_000))), "message_too_large");
  });
});

describe("validateId", () => {
  it("accepts URL-safe ids up to 64 characters and rejects the rest", () => {
    assert.equal(validateId("session", "call-42_a.b"), "call-42_a.b");
    for (const bad of ["", "a b", "x".repeat(65), "..", "é", "a/b"]) {
      assert.throws(() => validateId("participant", bad), ProtocolError);
    }
  });
});
