/**
 * The video socket of one participant: encoded frames (JPEG, PNG or WebP) with their time on the
 * participant's media clock; the server measures the faces.
 */
import { MediaConnection, type MediaConnectionOptions, type MediaUrl } from "./media_connection.ts";

/** Bytes of the timeMs header. */
export const VIDEO_HEADER_BYTES = 8;

/** Options of {@linkcode VideoConnection.open}. */
export interface VideoOptions extends MediaConnectionOptions {
  /** Display name, used when the video socket is the participant's only socket. */
  name?: string;
  /** The participant's consent, needed for a video-only participant unless the token carries it. */
  consent?: boolean;
  /**
   * Subtracted from every frame's timeMs: pass `() => ingest.timeOffsetMs` when the frames are
   * timed on the same clock as an ingest connection that may reconnect. Default none.
   */
  timeOffsetMs?: () => number;
}

/** One video message: 8-byte little-endian float64 timeMs, then the encoded image. */
export function videoFrameMessage(timeMs: number, image: Uint8Array): Uint8Array {
  const out = new Uint8Array(VIDEO_HEADER_BYTES + image.length);
  new DataView(out.buffer).setFloat64(0, timeMs, true);
  out.set(image, VIDEO_HEADER_BYTES);
  return out;
}

/** An open video socket. */
export class VideoConnection extends MediaConnection {
  readonly #offset?: () => number;

  private constructor(url: MediaUrl, options: VideoOptions) {
    super(url, options);
    this.#offset = options.timeOffsetMs;
  }

  /** Opens `url` (a full ws(s):// video URL, or a function giving one per connect) and waits for `ready`. */
  static async open(url: MediaUrl, options: VideoOptions = {}): Promise<VideoConnection> {
    const c = new VideoConnection(url, options);
    const hello = {
      type: "hello" as const,
      ...(options.name ? { name: options.name } : {}),
      ...(options.consent !== undefined ? { consent: options.consent } : {}),
    };
    await c.connect(Object.keys(hello).length > 1 ? hello : undefined);
    return c;
  }

  /** Sends one frame taken at `timeMs` on the participant's media clock. */
  async sendFrame(timeMs: number, image: Uint8Array): Promise<void> {
    if (!(Number.isFinite(timeMs) && timeMs >= 0)) throw new RangeError(`timeMs must be ≥ 0, got ${timeMs}`);
    const t = timeMs - (this.#offset?.() ?? 0);
    if (t < 0) return; // taken before the ingest socket it is timed against reconnected
    await this.sendRaw(videoFrameMessage(t, image));
  }
}
