/**
 * Rate limits of one participant's input: a token bucket for discrete messages (face frames,
 * transcripts) and the audio pacer that keeps a stream within a burst allowance of real time.
 * Pure bookkeeping over an injected wall clock; the participant decides what a refusal does.
 */

/** Token bucket: `ratePerS` tokens a second, at most `burst` saved up (Turner 1986's leaky bucket as a meter). */
export class TokenBucket {
  #tokens: number;
  #refillWall: number | undefined;

  constructor(readonly ratePerS: number, readonly burst: number, private readonly now: () => number) {
    if (!(ratePerS > 0)) throw new RangeError("ratePerS must be > 0");
    if (!(burst >= 1)) throw new RangeError("burst must be ≥ 1");
    this.#tokens = burst;
  }

  /** Takes one token; false (and nothing taken) when the bucket is empty. */
  take(): boolean {
    const t = this.now();
    if (this.#refillWall !== undefined) {
      this.#tokens = Math.min(this.burst, this.#tokens + ((t - this.#refillWall) / 1000) * this.ratePerS);
    }
    this.#refillWall = t;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** What {@linkcode AudioPacer.admit} decided about one message. */
export type PaceDecision =
  | { ok: true }
  | { ok: false; aheadMs: number; fatal: boolean };

/**
 * Audio pacing: a stream may run at most `burstMs` ahead of the wall clock since its first
 * audio. Refused audio still counts as sent (the client counted it), so the server's media clock
 * and the client's stay equal when the caller advances its clock with silence for it.
 */
export class AudioPacer {
  #firstWall = 0;
  #sentMs = 0;
  #violations = 0;

  constructor(
    readonly burstMs: number,
    readonly maxViolations: number,
    private readonly now: () => number,
  ) {}

  /** Refusals so far. */
  get violations(): number {
    return this.#violations;
  }

  /** Accounts for `durationMs` of audio; refuses it when it would run more than `burstMs` ahead. */
  admit(durationMs: number): PaceDecision {
    const t = this.now();
    if (this.#sentMs === 0) this.#firstWall = t;
    const aheadMs = this.#sentMs + durationMs - (t - this.#firstWall);
    this.#sentMs += durationMs;
    if (aheadMs <= this.burstMs) return { ok: true };
    return { ok: false, aheadMs, fatal: ++this.#violations >= this.maxViolations };
  }
}
