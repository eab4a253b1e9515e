/**
 * The ingest socket of one participant: `hello` with the audio format, then binary audio and
 * text face / transcript messages, then `end`.
 */
import type { AudioFormat, TranscriptMessage } from "../protocol/client_messages.ts";
import type { FaceFrame } from "../face/face_frame.ts";
import { MediaConnection, type MediaConnectionOptions } from "./media_connection.ts";

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

  private constructor(url: string, options: IngestOptions) {
    super(url, options);
    this.audio = options.audio;
  }

  /** Opens `url` (a full ws(s):// ingest URL), sends hello and waits for `ready`. */
  static async open(url: string, options: IngestOptions = {}): Promise<IngestConnection> {
    const c = new IngestConnection(url, options);
    const hello: Record<string, unknown> = { type: "hello" };
    if (options.audio) hello.audio = options.audio;
    if (options.name) hello.name = options.name;
    if (options.consent !== undefined) hello.consent = options.consent;
    await c.connect(hello as { type: "hello" });
    return c;
  }

  /** Sends interleaved little-endian samples in the announced format (whole sample frames). */
  async sendAudio(bytes: Uint8Array): Promise<void> {
    await this.sendRaw(bytes);
  }

  /** Sends one face message (measured by the caller, e.g. in the browser). */
  async sendFace(frame: FaceFrame): Promise<void> {
    await this.sendRaw(JSON.stringify(frame));
  }

  /** Sends an interim or final transcript segment. */
  async sendTranscript(segment: Omit<TranscriptMessage, "type">): Promise<void> {
    await this.sendRaw(JSON.stringify({ type: "transcript", ...segment }));
  }

  /**
   * Live media that must not pile up: sends at once, or drops and returns false when the send
   * buffer is above the high-water mark (or the connection is closed or ending).
   */
  trySendAudio(bytes: ArrayBufferView | ArrayBuffer): boolean {
    const view = ArrayBuffer.isView(bytes)
      ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      : new Uint8Array(bytes);
    return this.trySendRaw(view);
  }

  /** {@linkcode trySendAudio} for a face message. */
  trySendFace(frame: FaceFrame): boolean {
    return this.trySendRaw(JSON.stringify(frame));
  }

  /** {@linkcode trySendAudio} for a transcript segment. */
  trySendTranscript(segment: Omit<TranscriptMessage, "type">): boolean {
    return this.trySendRaw(JSON.stringify({ type: "transcript", ...segment }));
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
