import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FaceFrameError, NUM_BLENDSHAPES, parseFaceFrame } from "./face_frame.ts";

const shapes = () => Array.from({ length: NUM_BLENDSHAPES }, (_, i) => i / NUM_BLENDSHAPES);

describe("parseFaceFrame", () => {
  it("accepts a full frame and copies only known fields", () => {
    const input = {
      type: "face",
      timeMs: 1234.5,
      present: true,
      blendshapes: shapes(),
      headPose: { yaw: 10, pitch: -5, roll: 2 },
      landmarks: [0.1, 0.2, 0.3, 0.4],
      aspect: 16 / 9,
    };
    const f = parseFaceFrame(input);
    assert.deepEqual(f, input);
    assert.notEqual(f.blendshapes, input.blendshapes);
  });

  it("accepts a frame without a face and no blendshapes", () => {
    assert.deepEqual(parseFaceFrame({ type: "face", timeMs: 0, present: false }), {
      type: "face",
      timeMs: 0,
      present: false,
    });
  });

  const bad: [string, unknown, RegExp][] = [
    ["a non-object", [1], /JSON object/],
    ["the wrong type", { type: "voice", timeMs: 0, present: false }, /type must be "face"/],
    ["a negative time", { type: "face", timeMs: -1, present: false }, /timeMs/],
    ["a NaN-like time", { type: "face", timeMs: "5", present: false }, /timeMs/],
    ["a missing present flag", { type: "face", timeMs: 0 }, /present/],
    ["a face without blendshapes", { type: "face", timeMs: 0, present: true }, /required/],
    ["51 blendshapes", { type: "face", timeMs: 0, present: true, blendshapes: shapes().slice(1) }, /52/],
    [
      "a blendshape above 1",
      { type: "face", timeMs: 0, present: true, blendshapes: [...shapes().slice(1), 1.5] },
      /blendshapes\[51\]/,
    ],
    ["blendshapes without a face", { type: "face", timeMs: 0, present: false, blendshapes: shapes() }, /absent/],
    [
      "a head pose out of range",
      { type: "face", timeMs: 0, present: false, headPose: { yaw: 200, pitch: 0, roll: 0 } },
      /yaw/,
    ],
    ["odd-length landmarks", { type: "face", timeMs: 0, present: false, landmarks: [0.1, 0.2, 0.3] }, /even-length/],
    ["too many landmarks", { type: "face", timeMs: 0, present: false, landmarks: new Array(958).fill(0.5) }, /478/],
    ["an unknown field", { type: "face", timeMs: 0, present: false, pixels: [] }, /unknown field "pixels"/],
    ["a zero aspect", { type: "face", timeMs: 0, present: false, aspect: 0 }, /aspect/],
  ];
  for (const [what, value, message] of bad) {
    it(`rejects ${what} with a recoverable FaceFrameError`, () => {
      assert.throws(() => parseFaceFrame(value), (e: unknown) => {
        assert.ok(e instanceof FaceFrameError);
        assert.equal(e.recoverable, true);
        assert.match(e.message, message);
        return true;
      });
    });
  }
});
