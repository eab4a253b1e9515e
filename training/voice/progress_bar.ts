/** A one-line text progress bar on stderr for the training commands. */

/** Renders `done/total` with a bar and an ETA; call {@linkcode ProgressBar.done} at the end. */
export class ProgressBar {
  #t0 = performance.now();
  #enc = new TextEncoder();
  #last = 0;
  constructor(readonly label: string, readonly width = 30) {}

  /** Redraws the bar (at most every 100 ms, and always at the end). */
  update(done: number, total: number): void {
    const now = performance.now();
    if (done < total && now - this.#last < 100) return;
    this.#last = now;
    const frac = total > 0 ? done / total : 1;
    const filled = Math.round(frac * this.width);
    const elapsed = (now - this.#t0) / 1000;
    const eta = frac > 0 ? elapsed * (1 - frac) / frac : 0;
    const line = `\r${this.label} [${"#".repeat(filled)}${".".repeat(this.width - filled)}] ${done}/${total} ` +
      `${elapsed.toFixed(0)}s elapsed, ${eta.toFixed(0)}s left `;
    Deno.stderr.writeSync(this.#enc.encode(line));
  }

  /** Ends the line. */
  done(): void {
    Deno.stderr.writeSync(this.#enc.encode("\n"));
  }
}
