/**
 * JSON Schemas of the protocol's messages and events for the AsyncAPI document (asyncapi.ts),
 * built from lib/protocol's constants. The tables are typed `Record<ErrorCode | EventType |
 * ClientMessage["type"] | MissingReason, …>`, so a code, event or message added to lib/protocol
 * without a schema here fails type-checking.
 */
import { EMOTIONS, SENTIMENTS } from "../emotion/labels.ts";
import {
  type ClientMessage,
  MAX_SAMPLE_RATE,
  MAX_TRANSCRIPT_CHARS,
  MAX_TRANSCRIPT_WORDS,
  MIN_SAMPLE_RATE,
} from "./client_messages.ts";
import type { ErrorCode } from "./errors.ts";
import type { EventType, MissingReason } from "./events.ts";
import { MAX_LANDMARK_POINTS, NUM_BLENDSHAPES } from "./face_frame.ts";
import { MAX_IMAGE_LONG_SIDE, MAX_IMAGE_SHORT_SIDE } from "../face/server_faces_image.ts";

/** A JSON Schema object. */
export type Schema = Record<string, unknown>;

/** What each error code means. */
export const ERROR_CODES: Record<ErrorCode, string> = {
  bad_json: "a text message that is not JSON",
  bad_message: "JSON that fails validation (the field is named in the message)",
  unknown_type: "a `type` the protocol does not define",
  hello_required: "audio or other messages before `hello`",
  hello_repeated: "a second `hello`",
  unsupported_format:
    "sample rate, encoding or channel count outside what is accepted; a frame that is not JPEG, PNG or WebP",
  misaligned_audio: "a binary message whose length is not a whole number of sample frames",
  message_too_large: "over the documented size limit",
  rate_limited: "media faster than real time beyond the allowance, or too many face messages or video frames",
  overloaded: "the server cannot keep up; media was dropped",
  bad_id: "session or participant id outside [A-Za-z0-9_.-]{1,64}",
  participant_connected: "this participant already has an open ingest (or video) socket",
  limit_reached: "too many sessions, participants or subscribers",
  history_gap: "a resume `since` older than the history held, or ahead of it after a restart",
  slow_subscriber: "a subscriber fell too far behind and was disconnected",
  stream_ended: "media after `end`",
  model_error: "a model failed on this participant's data",
  bad_image: "a video frame whose header cannot be read or that the browser cannot decode",
  image_too_large: `a video frame beyond ${MAX_IMAGE_LONG_SIDE}×${MAX_IMAGE_SHORT_SIDE} pixels`,
  unauthorized: "no, bad or expired token (HTTP 401, or close 4401 once connected)",
  forbidden: "a valid token outside its scope (HTTP 403, close 4403)",
  consent_required: "hello without consent and a token without it: nothing is analysed (close 4403)",
  session_not_found: "the events socket of a session that does not exist (close 4404)",
  store_degraded: "the event store is failing; events are held in memory until it works again",
  timeout: "no hello within the hello timeout, or an idle ingest socket",
  internal: "a bug: reported, the participant's stream continues if it can",
};

/** What each `missing` reason means. */
export const MISSING_REASONS: Record<MissingReason, string> = {
  no_audio: "the participant sends no audio, or the span holds none",
  too_quiet: "audio is present but below the level voicing can be measured at",
  too_little_voiced_speech: "too few voiced frames for the voice model",
  digital_silence: "the audio is all (near) zero samples",
  no_face: "face frames arrived but none showed a face",
  no_face_frames: "no face frames for the span",
  no_text: "no transcript text for the span",
  model_unavailable: "the server has no model for the modality",
  model_error: "the model failed on this span",
  disabled: "the modality was turned off by configuration",
};

const num = { type: "number" };
const int = { type: "integer" };
export const str = { type: "string" };
export const bool = { type: "boolean" };
const ms = (description: string) => ({
  type: "number",
  minimum: 0,
  description: `${description}, ms on the participant's media clock`,
});
const probs = {
  type: "array",
  items: { type: "number", minimum: 0, maximum: 1 },
  minItems: 7,
  maxItems: 7,
  description: `in the order ${EMOTIONS.join(", ")}`,
};
const label = { type: "string", enum: [...EMOTIONS] };
const modality = { type: "string", enum: ["voice", "face", "text"] };
const sentiment = { type: "object", properties: Object.fromEntries(SENTIMENTS.map((s) => [s, num])) };
export const obj = (properties: Schema, required: string[] = [], extra: Schema = {}): Schema => ({
  type: "object",
  properties,
  required,
  ...extra,
});
export const typed = (type: string, properties: Schema, required: string[] = [], description?: string): Schema =>
  obj({ type: { const: type }, ...properties }, ["type", ...required], {
    additionalProperties: false,
    ...(description ? { description } : {}),
  });

const faceFrame = {
  timeMs: ms("frame time"),
  present: bool,
  blendshapes: {
    type: "array",
    items: { type: "number", minimum: 0, maximum: 1 },
    minItems: NUM_BLENDSHAPES,
    maxItems: NUM_BLENDSHAPES,
  },
  headPose: obj({ yaw: num, pitch: num, roll: num }, ["yaw", "pitch", "roll"], { description: "degrees" }),
  landmarks: { type: "array", items: { type: "number", minimum: 0, maximum: 1 }, maxItems: 2 * MAX_LANDMARK_POINTS },
  aspect: { type: "number", exclusiveMinimum: 0 },
  pixelProbs: {
    ...probs,
    description: "the browser pixel model's probabilities for the aligned face crop (only with present)",
  },
};

/** Payload schema of every JSON message a client sends (on ingest; hello, end and consent on video too). */
export const CLIENT_MESSAGES: Record<ClientMessage["type"], Schema> = {
  hello: typed(
    "hello",
    {
      audio: obj({
        sampleRate: { type: "integer", minimum: MIN_SAMPLE_RATE, maximum: MAX_SAMPLE_RATE },
        encoding: { type: "string", enum: ["pcm_s16le", "f32le"] },
        channels: { type: "integer", enum: [1, 2], default: 1 },
      }, ["sampleRate", "encoding"]),
      name: { type: "string", maxLength: 64 },
      consent: bool,
      asr: {
        type: "boolean",
        description: "server speech recognition when no transcripts are sent (default true where available)",
      },
    },
    [],
    "first message; `audio` omitted by face-, video- or transcript-only participants",
  ),
  face: typed("face", faceFrame, ["timeMs", "present"], "one camera frame's face measurements (docs/face.md)"),
  transcript: typed("transcript", {
    id: { type: "string", maxLength: 128 },
    final: bool,
    text: { type: "string", maxLength: MAX_TRANSCRIPT_CHARS },
    startMs: ms("start"),
    endMs: ms("end"),
    words: {
      type: "array",
      maxItems: MAX_TRANSCRIPT_WORDS,
      items: obj({ text: str, startMs: num, endMs: num }, ["text", "startMs", "endMs"]),
    },
    language: { type: "string", maxLength: 35 },
  }, ["final", "text", "startMs", "endMs"]),
  end: typed("end", {}, [], "flushes the stream; the server closes with 1000 once the last events are out"),
  consent: typed(
    "consent",
    { consent: { const: false } },
    ["consent"],
    "withdraws consent: analysis stops at once, close 1000",
  ),
};

const box = {
  type: "array",
  items: { type: "number", minimum: 0, maximum: 1 },
  minItems: 4,
  maxItems: 4,
  description: "[x, y, width, height] as fractions of the image",
};

export const faceEntry = obj({
  faceId: str,
  box,
  primary: bool,
  frames: int,
  label,
  confidence: num,
  probs,
}, ["faceId", "box", "primary", "frames"]);

const speaker = {
  oneOf: [obj({ faceId: int, box }, ["faceId", "box"]), obj({ voiceId: int }, ["voiceId"])],
  description: "who spoke, in recordings with several people",
};

const emotionFields = {
  participantId: str,
  utteranceId: str,
  startMs: ms("span start"),
  endMs: ms("span end"),
  label,
  probs,
  confidence: num,
  uncertainty: num,
  valence: { type: "number", minimum: -1, maximum: 1 },
  arousal: { type: "number", minimum: -1, maximum: 1 },
  sentiment,
  modalities: { type: "object", propertyNames: modality },
  missing: {
    type: "array",
    items: obj({ modality, reason: { type: "string", enum: Object.keys(MISSING_REASONS) } }, ["modality", "reason"]),
  },
  text: str,
  transcript: obj(
    {
      source: { const: "asr" },
      confidence: num,
      words: {
        type: "array",
        items: obj({ text: str, startMs: num, endMs: num, confidence: num }, [
          "text",
          "startMs",
          "endMs",
          "confidence",
        ]),
      },
      model: str,
    },
    ["source", "confidence", "words", "model"],
    { description: "present when text came from the server's recogniser" },
  ),
  speaker,
  window: bool,
  voiceSummary: { type: "object", additionalProperties: num },
  faces: {
    type: "array",
    items: faceEntry,
    description: "faces measured from the participant's video socket frames, largest first",
  },
};
const emotionRequired = [
  "participantId",
  "utteranceId",
  "startMs",
  "endMs",
  "label",
  "probs",
  "confidence",
  "uncertainty",
  "valence",
  "arousal",
  "modalities",
  "missing",
];
export const errorCode = { type: "string", enum: Object.keys(ERROR_CODES) };

/** Body schema of every event type (the envelope — seq, sessionId, wallMs — is added to each). */
export const EVENTS: Record<EventType, Schema> = {
  "participant.joined": typed("participant.joined", { participantId: str, name: str, audio: { type: "object" } }, [
    "participantId",
  ]),
  "participant.left": typed("participant.left", {
    participantId: str,
    reason: { type: "string", enum: ["end", "disconnect", "error", "consent_withdrawn", "erased"] },
    mediaMs: ms("media time reached"),
  }, ["participantId", "reason", "mediaMs"]),
  "utterance.start": typed("utterance.start", {
    participantId: str,
    utteranceId: str,
    startMs: ms("start, pre-roll included"),
  }, ["participantId", "utteranceId", "startMs"]),
  "utterance.end": typed("utterance.end", {
    participantId: str,
    utteranceId: str,
    startMs: ms("start"),
    endMs: ms("end"),
    durationMs: num,
    reason: { type: "string", enum: ["silence", "max_length", "end_of_stream", "transcript", "interrupted"] },
    acoustics: obj({ rmsDb: num, peakDb: num, speechProbMean: num, speechRatio: num }),
    speaker,
  }, ["participantId", "utteranceId", "startMs", "endMs", "durationMs", "reason"]),
  "emotion.partial": typed(
    "emotion.partial",
    emotionFields,
    emotionRequired,
    "running estimate while an utterance is open",
  ),
  emotion: typed(
    "emotion",
    emotionFields,
    emotionRequired,
    "final estimate of an utterance, or with window: true of a face-only window",
  ),
  "emotion.update": typed(
    "emotion.update",
    { ...emotionFields, replaces: int },
    [...emotionRequired, "replaces"],
    "a corrected final estimate",
  ),
  shift: typed("shift", {
    participantId: str,
    from: label,
    to: label,
    size: num,
    confidence: num,
    fromUtteranceIds: { type: "array", items: str },
    toUtteranceIds: { type: "array", items: str },
    drivenBy: { type: "array", items: modality },
    startMs: ms("start"),
    endMs: ms("end"),
  }, [
    "participantId",
    "from",
    "to",
    "size",
    "confidence",
    "fromUtteranceIds",
    "toUtteranceIds",
    "drivenBy",
    "startMs",
    "endMs",
  ]),
  error: typed("error", { participantId: str, code: errorCode, message: str, recoverable: bool }, [
    "code",
    "message",
    "recoverable",
  ]),
};

export const envelope = obj({ seq: { type: "integer", minimum: 1 }, sessionId: str, participantId: str, wallMs: num }, [
  "seq",
  "sessionId",
  "wallMs",
]);
