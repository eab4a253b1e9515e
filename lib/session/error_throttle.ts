/**
 * Limits how often one participant's repeated error (same code) is reported, so a client
 * flooding bad input cannot flood the event history or its own socket. Suppressed repeats are
 * counted and mentioned in the next report.
 */

/** Per-code throttle. */
export class ErrorThrottle {
  #last = new Map<string, { at: number; suppressed: number }>();

  /** @param intervalMs minimum time between two reports of one code (default 1000) */
  constructor(readonly intervalMs = 1000, private readonly now: () => number = () => performance.now()) {}

  /** Returns the count of suppressed repeats to mention when `code` may be reported now, else null. */
  admit(code: string): number | null {
    const t = this.now();
    const s = this.#last.get(code);
    if (s && t - s.at < this.intervalMs) {
      s.suppressed++;
      return null;
    }
    const suppressed = s?.suppressed ?? 0;
    this.#last.set(code, { at: t, suppressed: 0 });
    return suppressed;
  }
}
