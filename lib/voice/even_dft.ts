/**
 * The DFT of a real, even sequence (a power spectrum, whose DFT is the autocorrelation) through
 * a real FFT of half its length. A real even sequence of length 2n is fixed by its n + 1 values
 * x₀ … xₙ, and its DFT is real: X_m = x₀ + (−1)^m xₙ + 2 Σ_{j=1}^{n−1} x_j cos(π j m / n), twice
 * the type-I DCT C_m of x₀ … xₙ. C is computed as in the classic fast DCT-I: with
 * y_j = ½(x_j + x_{n−j}) − sin(π j / n)(x_j − x_{n−j}) (j = 0 … n − 1) and Y its length-n DFT,
 * C_{2k} = Re Y_k and C_{2k+1} = C_{2k−1} − Im Y_k, from C₁ computed directly. Half the work of
 * transforming the mirrored 2n values; equal to it within float rounding (even_dft_test.ts).
 */
import { RealFft } from "./real_fft.ts";

/** Type-I DCT of n + 1 values, n a power of two ≥ 32: out[m] = ½(x₀ + (−1)^m xₙ) + Σ_{j=1}^{n−1} x_j cos(π j m / n). */
export class EvenDft {
  readonly n: number;
  #fft: RealFft;
  #y: Float64Array;
  #spec: Float64Array;
  #sin: Float64Array;
  #cos: Float64Array;

  constructor(n: number) {
    if (!(Number.isInteger(Math.log2(n)) && n >= 32)) throw new RangeError(`n must be a power of two ≥ 32, got ${n}`);
    this.n = n;
    this.#fft = new RealFft(n);
    this.#y = new Float64Array(n);
    this.#spec = new Float64Array(n + 2);
    this.#sin = new Float64Array(n);
    this.#cos = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      this.#sin[j] = Math.sin((Math.PI * j) / n);
      this.#cos[j] = Math.cos((Math.PI * j) / n);
    }
  }

  /** Writes C₀ … Cₙ of `x` (length ≥ n + 1) into `out` (length ≥ n + 1). */
  transform(x: ArrayLike<number>, out: Float64Array): void {
    const n = this.n, y = this.#y, s = this.#sin, c = this.#cos;
    let c1 = 0.5 * (x[0] - x[n]);
    y[0] = 0.5 * (x[0] + x[n]);
    for (let j = 1; j < n; j++) {
      const a = x[j], b = x[n - j];
      y[j] = 0.5 * (a + b) - s[j] * (a - b);
      c1 += a * c[j];
    }
    this.#fft.transform(y, this.#spec);
    const spec = this.#spec;
    out[0] = spec[0];
    out[1] = c1;
    for (let k = 1; k < n / 2; k++) {
      out[2 * k] = spec[2 * k];
      out[2 * k + 1] = out[2 * k - 1] - spec[2 * k + 1];
    }
    out[n] = spec[n];
  }
}
