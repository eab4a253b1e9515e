/**
 * The ingest socket of one participant: `hello` with the audio format, then binary audio and
 * text face / transcript messages, then `end`.
 *
 * Times stay on the caller's clock across reconnects (`reconnect: true`): the server's media
 * clock of a new socket starts at 0, so the connection counts the audio offered to it (sent or
 * dropped while disconnected) and, after a reconnect, subtracts the audio offered before the new
 * socket (`timeOffsetMs`) from face and transcript times; what ends before that is dropped.
 */
import type { AudioFormat, TranscriptMessage } from "../protocol/client_messages.ts";
import type { FaceFrame } from "../face/face_frame.ts";
import { MediaConnection, type MediaConnectionOptions, type MediaUrl } from "./media_connection.ts";

/** Options of {@linkcode IngestConnection.open}. */
export interface IngestOptions extends MediaConnectionOptions {
  /** Audio format; omit for face- or transcript-only participants. */
  audio?: AudioFormat;
  /** Display name. */
  name?: string;
  /** The participant's consent to analysis (needed unless the token carries it). */
  consent?: boolean;
}

/** An open ingest socket, ready for media. */
export class IngestConnection extends MediaConnection {
  readonly audio?: AudioFormat;
  /** Bytes per ms of the announced audio format (0 without audio). */
  readonly #bytesPerMs: number;
  #offeredBytes = 0;
  #offsetMs = 0;

  private constructor(url: MediaUrl, options: IngestOptions) {
    super(url, options);
    this.audio = options.audio;
    const a = options.audio;
    this.#bytesPerMs = a ? (a.sampleRate / 1000) * a.channels * (a.encoding === "f32le" ? 4 : 2) : 0;
  }

  /**
   * Opens `url` (a full ws(s):// ingest URL, or a function giving one per connect: `fresh` after
   * a 4401 close), sends hello and waits for `ready`.
   */
  static async open(url: MediaUrl, options: IngestOptions = {}): Promise<IngestConnection> {
    const c = new IngestConnection(url, options);
    const hello: Record<string, unknown> = { type: "hello" };
    if (options.audio) hello.audio = options.audio;
    if (options.name) hello.name = options.name;
    if (options.consent !== undefined) hello.consent = options.consent;
    await c.connect(hello as { type: "hello" });
    return c;
  }

  /** Audio offered so far (sent, or dropped while disconnected or congested), in ms: the caller's media clock. */
  get offeredMs(): number {
    return this.#bytesPerMs ? this.#offeredBytes / this.#bytesPerMs : 0;
  }

  /** Where the current socket's media clock started on the caller's clock, in ms (0 until a reconnect). */
  get timeOffsetMs(): number {
    return this.#offsetMs;
  }

  protected override onReconnected(): void {
    this.#offsetMs = this.offeredMs;
  }

  /** A face frame on the server's clock, or null when it lies before the current socket. */
  #face(frame: FaceFrame): FaceFrame | null {
    if (this.#offsetMs === 0) return frame;
    const timeMs = frame.timeMs - this.#offsetMs;
    return timeMs < 0 ? null : { ...frame, timeMs };
  }

  /** A transcript segment on the server's clock, or null when it ends before the current socket. */
  #transcript(segment: Omit<TranscriptMessage, "type">): Omit<TranscriptMessage, "type"> | null {
    const o = this.#offsetMs;
    if (o === 0) return segment;
    if (segment.endMs - o < 0) return null;
    const at = (ms: number) => Math.max(0, ms - o);
    return {
      ...segment,
      startMs: at(segment.startMs),
      endMs: at(segment.endMs),
      ...(segment.words
        ? { words: segment.words.map((w) => ({ ...w, startMs: at(w.startMs), endMs: at(w.endMs) })) }
        : {}),
    };
  }

  /** Sends interleaved little-endian samples in the announced format (whole sample frames). */
  async sendAudio(bytes: Uint8Array): Promise<void> {
    // Counted once handed over: audio waiting here for a reconnect goes to the new socket, so
    // it is not part of the new socket's offset.
    try {
      await this.sendRaw(bytes);
    } finally {
      this.#offeredBytes += bytes.byteLength;
    }
  }

  /** Sends one face message (measured by the caller, e.g. in the browser); one from before a reconnect is dropped. */
  async sendFace(frame: FaceFrame): Promise<void> {
    const f = this.#face(frame);
    if (f) await this.sendRaw(JSON.stringify(f));
  }

  /** Sends an interim or final transcript segment; one ending before a reconnect is dropped. */
  async sendTranscript(segment: Omit<TranscriptMessage, "type">): Promise<void> {
    const t = this.#transcript(segment);
    if (t) await this.sendRaw(JSON.stringify({ type: "transcript", ...t }));
  }

  /**
   * Live media that must not pile up: sends at once, or drops and returns false when the send
   * buffer is above the high-water mark (or the connection is closed or ending).
   */
  trySendAudio(bytes: ArrayBufferView | ArrayBuffer): boolean {
    const view = ArrayBuffer.isView(bytes)
      ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      : new Uint8Array(bytes);
    this.#offeredBytes += view.byteLength;
    return this.trySendRaw(view);
  }

  /** {@linkcode trySendAudio} for a face message. */
  trySendFace(frame: FaceFrame): boolean {
    const f = this.#face(frame);
    return f ? this.trySendRaw(JSON.stringify(f)) : false;
  }

  /** {@linkcode trySendAudio} for a transcript segment. */
  trySendTranscript(segment: Omit<TranscriptMessage, "type">): boolean {
    const t = this.#transcript(segment);
    return t ? this.trySendRaw(JSON.stringify({ type: "transcript", ...t })) : false;
  }

  /**
   * Withdraws consent: analysis stops at once and the server closes the socket. Nothing more can
   * be sent afterwards. With `closeAfterMs`, the client closes the socket itself if the server
   * has not within that time.
   */
  async withdrawConsent(options: { closeAfterMs?: number } = {}): Promise<void> {
    await this.sendRaw(JSON.stringify({ type: "consent", consent: false }));
    this.markEnding();
    if (options.closeAfterMs !== undefined) {
      const timer = setTimeout(() => void this.close(), options.closeAfterMs);
      void this.closed.then(() => clearTimeout(timer));
    }
  }
}

/** 16-bit little-endian PCM bytes of float samples in [-1, 1]. */
export function pcm16(samples: Float32Array): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < samples.length; i++) {
    view.setInt16(i * 2, Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32767))), true);
  }
  return out;
}
