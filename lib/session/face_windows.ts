/**
 * One participant's face timeline: which face frames are accepted (in time order, and not
 * far ahead of the participant's clock, so one bad timestamp cannot wedge the stream), and
 * when a face-only window is due while no utterance is open.
 */
import { ProtocolError } from "../protocol/errors.ts";

/** A face-only window to analyse, in ms on the media clock. */
export interface FaceWindow {
  startMs: number;
  endMs: number;
}

/** Face frame ordering and face-only window schedule. */
export class FaceWindows {
  #lastFaceMs = -1;
  #lastWindowEndMs = 0;
  #frames = 0;
  #faces = 0;

  /**
   * @param windowMs interval of face-only windows; 0 disables them
   * @param maxLeadMs how far a frame's time may lie ahead of the participant's clock, in ms
   */
  constructor(readonly windowMs: number, readonly maxLeadMs: number) {}

  /** Frames accepted, and those of them showing a face. */
  get counts(): { frames: number; faces: number } {
    return { frames: this.#frames, faces: this.#faces };
  }

  /**
   * Checks a frame's time; throws a recoverable `bad_message` ProtocolError (the frame is dropped,
   * the timeline is unchanged) when it goes back in time or lies more than `maxLeadMs` beyond
   * `clockMs` (the furthest media time the participant can have reached; Infinity offline).
   */
  check(timeMs: number, clockMs: number): void {
    if (timeMs < this.#lastFaceMs) {
      throw new ProtocolError("bad_message", `face timeMs ${timeMs} goes back in time (last ${this.#lastFaceMs})`);
    }
    if (timeMs > clockMs + this.maxLeadMs) {
      throw new ProtocolError(
        "bad_message",
        `face timeMs ${timeMs} is more than ${this.maxLeadMs} ms ahead of the participant's clock (${
          Math.round(clockMs)
        } ms); frame dropped`,
      );
    }
  }

  /** Records an accepted frame. */
  accept(timeMs: number, present: boolean): void {
    this.#lastFaceMs = timeMs;
    this.#frames++;
    if (present) this.#faces++;
  }

  /** An utterance ended at `endMs`: the next window starts after it. */
  utteranceEnded(endMs: number): void {
    this.#lastWindowEndMs = endMs;
  }

  /** The window to analyse now that a frame at `timeMs` arrived, if one is due (none while speech is open). */
  due(timeMs: number, speechOpen: boolean): FaceWindow | null {
    const w = this.windowMs;
    if (w === 0 || speechOpen || timeMs - this.#lastWindowEndMs < w) return null;
    const startMs = Math.max(this.#lastWindowEndMs, timeMs - w);
    this.#lastWindowEndMs = timeMs;
    return { startMs, endMs: timeMs };
  }
}
