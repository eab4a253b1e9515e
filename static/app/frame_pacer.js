/**
 * Paces camera frames to a target rate with a token bucket: every elapsed 1/fps earns one frame,
 * at most MAX_CREDIT banked. Comparing each frame's age with 1/fps instead takes every second
 * frame of a 15 fps camera for a 12 fps target (7.5 a second); the bucket takes 4 frames of 5.
 */

/** Most frames banked, so a pause (a busy tracker, a background tab) is not followed by a burst. */
export const MAX_CREDIT = 2;

/** Decides, frame by frame, which to measure. */
export class FramePacer {
  /** @param {number} fps target rate, frames per second */
  constructor(fps) {
    if (!(fps > 0)) throw new RangeError(`fps must be > 0, got ${fps}`);
    this.intervalMs = 1000 / fps;
    this.credit = 1;
    this.lastMs = undefined;
  }

  /** Accrues the credit of the time since the last call; true when a frame may be taken. */
  ready(nowMs) {
    this.credit = Math.min(MAX_CREDIT, this.credit + (nowMs - (this.lastMs ?? nowMs)) / this.intervalMs);
    this.lastMs = nowMs;
    return this.credit >= 1;
  }

  /** Spends one frame's credit (call when the frame offered to ready() is taken). */
  take() {
    this.credit -= 1;
  }
}
