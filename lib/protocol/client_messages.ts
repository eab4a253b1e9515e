/**
 * Messages a participant's client sends on its ingest socket. Text frames carry JSON; binary
 * frames carry audio in the format announced by `hello`. Every message is validated here.
 */
import { CloseCode, ProtocolError } from "./errors.ts";
import { bool, type Json, num, obj, onlyFields, optStr, str } from "./validate.ts";
import { type FaceFrame, parseFaceFrame } from "./face_frame.ts";

/** Sample encodings accepted on the ingest socket. */
export type AudioEncoding = "pcm_s16le" | "f32le";

/** Audio format announced by `hello`. */
export interface AudioFormat {
  /** Hz, 8000–48000. */
  sampleRate: number;
  encoding: AudioEncoding;
  /** 1 or 2; stereo is downmixed. */
  channels: 1 | 2;
}

/** First message on an ingest socket. `audio` may be omitted by clients that send only face or text. */
export interface HelloMessage {
  type: "hello";
  audio?: AudioFormat;
  /** Free-form display name shown on the dashboard. */
  name?: string;
  /**
   * The participant agrees to be analysed (emotions from voice, face and words, seen by the
   * session's viewers). Without it, and without an ingest token minted with consent, the server
   * answers `consent_required` and analyses nothing.
   */
  consent?: boolean;
  /**
   * Server speech recognition for this participant's utterances when no transcripts are sent
   * (docs/asr.md); default true where the server runs a recogniser. false opts out.
   */
  asr?: boolean;
}

/** Withdraws consent mid-call: analysis stops at once and the socket is closed (1000). */
export interface ConsentMessage {
  type: "consent";
  consent: false;
}

/** One word of a transcript segment with its timing on the media clock. */
export interface TranscriptWord {
  text: string;
  startMs: number;
  endMs: number;
}

/** A transcript segment (interim or final) on the participant's media clock. */
export interface TranscriptMessage {
  type: "transcript";
  /** Segment id; a later final with the same id corrects an earlier one. */
  id?: string;
  final: boolean;
  text: string;
  startMs: number;
  endMs: number;
  words?: TranscriptWord[];
  /** BCP 47 language tag, e.g. "en-US". */
  language?: string;
}

/** Face measurements for one video frame (content defined in lib/protocol/face_frame.ts). */
export interface FaceMessage {
  type: "face";
  frame: FaceFrame;
}

/** Flushes the participant's stream; the server closes the socket once the last events are out. */
export interface EndMessage {
  type: "end";
}

/** Every JSON message a client may send. */
export type ClientMessage = HelloMessage | TranscriptMessage | FaceMessage | EndMessage | ConsentMessage;

/** Sample rates accepted, in Hz. */
export const MIN_SAMPLE_RATE = 8000;
/** Highest accepted sample rate, in Hz. */
export const MAX_SAMPLE_RATE = 48000;
/** Longest transcript text, in characters. */
export const MAX_TRANSCRIPT_CHARS = 4096;
/** Most word timings in one transcript segment. */
export const MAX_TRANSCRIPT_WORDS = 1024;
/** Largest text message, in bytes. */
export const MAX_TEXT_MESSAGE_BYTES = 64 * 1024;
/** Largest binary (audio) message, in bytes: 1 s of 48 kHz stereo float32 is 384,000. */
export const MAX_BINARY_MESSAGE_BYTES = 512 * 1024;

function parseAudioFormat(value: unknown): AudioFormat {
  const a = obj(value, "audio");
  onlyFields(a, ["sampleRate", "encoding", "channels"], "audio");
  const sampleRate = a.sampleRate;
  if (typeof sampleRate !== "number" || !Number.isInteger(sampleRate)) {
    throw new ProtocolError("bad_message", `field "audio.sampleRate" must be an integer (Hz)`, false);
  }
  if (sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
    throw new ProtocolError(
      "unsupported_format",
      `sample rate ${sampleRate} Hz is outside ${MIN_SAMPLE_RATE}–${MAX_SAMPLE_RATE} Hz`,
      false,
      CloseCode.badRequest,
    );
  }
  const encoding = a.encoding;
  if (encoding !== "pcm_s16le" && encoding !== "f32le") {
    throw new ProtocolError("unsupported_format", `encoding must be "pcm_s16le" or "f32le"`, false);
  }
  const channels = a.channels ?? 1;
  if (channels !== 1 && channels !== 2) {
    throw new ProtocolError("unsupported_format", `channels must be 1 or 2`, false);
  }
  return { sampleRate, encoding, channels };
}

function parseWords(value: unknown): TranscriptWord[] {
  if (!Array.isArray(value)) throw new ProtocolError("bad_message", `field "words" must be an array`);
  if (value.length > MAX_TRANSCRIPT_WORDS) {
    throw new ProtocolError("bad_message", `field "words" holds more than ${MAX_TRANSCRIPT_WORDS} entries`);
  }
  return value.map((w, i) => {
    const o = obj(w, `words[${i}]`);
    const word = { text: str(o, "text", 256), startMs: num(o, "startMs", 0), endMs: num(o, "endMs", 0) };
    if (word.endMs < word.startMs) throw new ProtocolError("bad_message", `words[${i}] ends before it starts`);
    return word;
  });
}

function parseTranscript(m: Json): TranscriptMessage {
  onlyFields(m, ["type", "id", "final", "text", "startMs", "endMs", "words", "language"], "transcript");
  const msg: TranscriptMessage = {
    type: "transcript",
    final: bool(m, "final"),
    text: str(m, "text", MAX_TRANSCRIPT_CHARS),
    startMs: num(m, "startMs", 0),
    endMs: num(m, "endMs", 0),
  };
  if (msg.endMs < msg.startMs) throw new ProtocolError("bad_message", `transcript ends before it starts`);
  const id = optStr(m, "id", 128);
  if (id !== undefined) msg.id = id;
  const language = optStr(m, "language", 35);
  if (language !== undefined) msg.language = language;
  if (m.words !== undefined) msg.words = parseWords(m.words);
  return msg;
}

/** Parses and validates one text frame. Throws {@linkcode ProtocolError}. */
export function parseClientMessage(text: string): ClientMessage {
  if (text.length > MAX_TEXT_MESSAGE_BYTES) {
    throw new ProtocolError("message_too_large", `text messages are limited to ${MAX_TEXT_MESSAGE_BYTES} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProtocolError("bad_json", "text message is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ProtocolError("bad_message", "a message must be a JSON object with a \"type\"");
  }
  const m = value as Json;
  switch (m.type) {
    case "hello": {
      onlyFields(m, ["type", "audio", "name", "consent", "asr"], "hello");
      const hello: HelloMessage = { type: "hello" };
      if (m.consent !== undefined) hello.consent = bool(m, "consent");
      if (m.asr !== undefined) hello.asr = bool(m, "asr");
      if (m.audio !== undefined) hello.audio = parseAudioFormat(m.audio);
      const name = optStr(m, "name", 64);
      if (name !== undefined) hello.name = name;
      return hello;
    }
    case "transcript":
      return parseTranscript(m);
    case "face":
      try {
        return { type: "face", frame: parseFaceFrame(m) };
      } catch (err) {
        throw new ProtocolError("bad_message", (err as Error).message);
      }
    case "end":
      onlyFields(m, ["type"], "end");
      return { type: "end" };
    case "consent":
      onlyFields(m, ["type", "consent"], "consent");
      if (m.consent !== false) {
        throw new ProtocolError("bad_message", `"consent" messages withdraw consent: {"type":"consent","consent":false}`);
      }
      return { type: "consent", consent: false };
    default:
      throw new ProtocolError(
        typeof m.type === "string" ? "unknown_type" : "bad_message",
        typeof m.type === "string" ? `unknown message type "${String(m.type).slice(0, 40)}"` : `missing "type"`,
      );
  }
}
