/**
 * The real-input FFT of the voice descriptors: PFFFT (Pommier's SIMD FFT, BSD-3) compiled to
 * WebAssembly with 128-bit SIMD (`@echogarden/pffft-wasm`), with fft.js as the fallback where that
 * module cannot be instantiated. Measured on this machine (`deno task bench fft`): 2.0–2.7× less
 * time per transform than fft.js at 512, 1,024 and 2,048 points, the copies in and out included;
 * the FFTs are about half of the voice descriptors' cost.
 *
 * PFFFT computes in float32 (openSMILE's precision too); fft.js in float64. The spectra agree
 * within about 2·10⁻⁷ of the frame's largest bin (real_fft_test.ts), and the eGeMAPS
 * functionals of real speech within the tolerances of reference_test.ts.
 *
 * One WebAssembly instance per thread (module scope), and per size one setup and one set of
 * buffers, shared by every {@linkcode RealFft} of that size: a transform runs to completion
 * before another starts (one thread), so sharing is safe, and nothing is allocated per stream
 * (WebAssembly memory is not garbage-collected).
 */
import FFT from "fft.js";

/** The PFFFT functions used here, bound to one instance. */
interface Pffft {
  memory: WebAssembly.Memory;
  newSetup(n: number, kind: number): number;
  alignedMalloc(bytes: number): number;
  transformOrdered(setup: number, input: number, output: number, work: number, direction: number): void;
}

const PFFFT_REAL = 0;
const PFFFT_FORWARD = 0;
const EXPORTS = {
  newSetup: "_pffft_new_setup",
  alignedMalloc: "_pffft_aligned_malloc",
  transformOrdered: "_pffft_transform_ordered",
} as const;

/**
 * Instantiates the package's SIMD build synchronously (its Emscripten loader is asynchronous, and
 * a module-level await would delay a worker's message handler past its first message). The
 * build's export and import names are minified; they are read from its loader
 * (`Module["_pffft_new_setup"]=wasmExports["k"]`, `wasmImports={a:___assert_fail,…}`).
 */
function loadPffft(): Pffft {
  const glueUrl = new URL(import.meta.resolve("@echogarden/pffft-wasm/simd"));
  const glue = Deno.readTextFileSync(glueUrl);
  const exported = (name: string) => {
    const m = glue.match(new RegExp(`Module\\["${name}"\\]=wasmExports\\["(\\w+)"\\]`));
    if (!m) throw new Error(`the PFFFT loader does not export ${name}`);
    return m[1];
  };
  const memoryName = glue.match(/wasmMemory=wasmExports\["(\w+)"\]/)?.[1];
  const ctorsName = glue.match(/__wasm_call_ctors=wasmExports\["(\w+)"\]/)?.[1];
  const importsText = glue.match(/wasmImports=\{([^}]*)\}/)?.[1];
  const importModule = glue.match(/return\{(\w+):wasmImports\}/)?.[1];
  if (!memoryName || !ctorsName || !importsText || !importModule) throw new Error("unexpected PFFFT loader layout");
  const heap: { memory?: WebAssembly.Memory } = {};
  const runtime: Record<string, (...a: number[]) => number | void> = {
    ___assert_fail: () => {
      throw new Error("PFFFT assertion failed");
    },
    __emscripten_memcpy_js: (dest, src, num) =>
      void new Uint8Array(heap.memory!.buffer).copyWithin(dest, src, src + num),
    _emscripten_resize_heap: () => 0, // buffers are allocated once, at start: the heap never needs to grow
  };
  const imports: Record<string, (...a: number[]) => number | void> = {};
  for (const pair of importsText.split(",")) {
    const [key, fn] = pair.split(":");
    if (!runtime[fn]) throw new Error(`PFFFT imports an unknown function ${fn}`);
    imports[key] = runtime[fn];
  }
  const wasm = new WebAssembly.Module(Deno.readFileSync(new URL("pffft.wasm", glueUrl)));
  const instance = new WebAssembly.Instance(wasm, { [importModule]: imports });
  const ex = instance.exports as Record<string, unknown>;
  const memory = heap.memory = ex[memoryName] as WebAssembly.Memory;
  (ex[ctorsName] as () => void)();
  const fn = (k: keyof typeof EXPORTS) => ex[exported(EXPORTS[k])] as (...a: number[]) => number;
  return {
    memory,
    newSetup: fn("newSetup"),
    alignedMalloc: fn("alignedMalloc"),
    transformOrdered: fn("transformOrdered"),
  };
}

/** Why the fallback is used, when it is (null: PFFFT runs). */
export let pffftUnavailable: string | null = null;

let pffft: Pffft | undefined;
try {
  pffft = loadPffft();
} catch (err) {
  pffftUnavailable = err instanceof Error ? err.message : String(err);
}

interface Plan {
  setup: number;
  /** float32 indices of the input, output and work buffers in the module's heap. */
  input: number;
  output: number;
  work: number;
}

const plans = new Map<number, Plan>();
let heapView: Float32Array<ArrayBufferLike> = new Float32Array(0);

function planFor(m: Pffft, n: number): Plan {
  let p = plans.get(n);
  if (!p) {
    const setup = m.newSetup(n, PFFFT_REAL);
    if (!setup) throw new RangeError(`PFFFT cannot transform ${n} points`);
    const bytes = n * 4;
    const input = m.alignedMalloc(bytes), output = m.alignedMalloc(bytes), work = m.alignedMalloc(bytes);
    if (!input || !output || !work) throw new RangeError(`PFFFT could not allocate ${n} points`);
    p = { setup, input: input >> 2, output: output >> 2, work: work >> 2 };
    plans.set(n, p);
  }
  return p;
}

/** Forward DFT X_k = Σ x_j e^{−2πijk/n} of n real values, n a power of two ≥ 32. */
export class RealFft {
  readonly n: number;
  /** "pffft" (WebAssembly SIMD, float32) or "fft.js" (JavaScript, float64). */
  readonly engine: "pffft" | "fft.js";
  #plan?: Plan;
  #fallback?: { fft: FFT; spec: number[]; padded: Float64Array };

  /** The module's memory as float32 (a new view only if the memory was ever replaced). */
  #heap(): Float32Array {
    if (heapView.buffer !== pffft!.memory.buffer) heapView = new Float32Array(pffft!.memory.buffer);
    return heapView;
  }

  /** `engine` "fft.js" forces the fallback (tests compare the two). */
  constructor(n: number, engine?: "fft.js") {
    if (!(Number.isInteger(Math.log2(n)) && n >= 32)) throw new RangeError(`n must be a power of two ≥ 32, got ${n}`);
    this.n = n;
    if (pffft && engine !== "fft.js") {
      this.#plan = planFor(pffft, n);
      this.engine = "pffft";
    } else {
      const fft = new FFT(n);
      this.#fallback = { fft, spec: fft.createComplexArray(), padded: new Float64Array(n) };
      this.engine = "fft.js";
    }
  }

  /**
   * Writes bins 0 … n/2 of the DFT of `input` into `out` (length ≥ n + 2) as interleaved real
   * and imaginary parts: out[2k] = Re X_k, out[2k + 1] = Im X_k (fft.js's layout). Only the
   * first `length` input values are read; the rest count as zeros (a zero-padded frame).
   */
  transform(input: Float64Array, out: Float64Array, length = this.n): void {
    const n = this.n;
    this.#checkLength(length);
    if (this.#fallback) {
      const spec = this.#fallbackSpectrum(input, length);
      for (let i = 0; i < n + 2; i++) out[i] = spec[i];
      return;
    }
    const heap = this.#run(input, length), o = this.#plan!.output;
    // PFFFT's ordered real layout: [X_0, X_{n/2}, Re X_1, Im X_1, …]
    out[0] = heap[o];
    out[1] = 0;
    for (let i = 2; i < n; i++) out[i] = heap[o + i];
    out[n] = heap[o + 1];
    out[n + 1] = 0;
  }

  /** Writes the power spectrum |X_k|², k = 0 … n/2, of `input` (its first `length` values, zero-padded) into `power`. */
  power(input: Float64Array, power: Float64Array, length = this.n): void {
    const n = this.n;
    this.#checkLength(length);
    if (this.#fallback) {
      const spec = this.#fallbackSpectrum(input, length);
      for (let k = 0; k <= n / 2; k++) power[k] = spec[2 * k] * spec[2 * k] + spec[2 * k + 1] * spec[2 * k + 1];
      return;
    }
    const heap = this.#run(input, length), o = this.#plan!.output;
    power[0] = heap[o] * heap[o];
    power[n / 2] = heap[o + 1] * heap[o + 1];
    for (let k = 1, i = o + 2; k < n / 2; k++, i += 2) power[k] = heap[i] * heap[i] + heap[i + 1] * heap[i + 1];
  }

  #fallbackSpectrum(input: Float64Array, length: number): number[] {
    const { fft, spec, padded } = this.#fallback!;
    for (let i = 0; i < this.n; i++) padded[i] = i < length ? input[i] : 0;
    fft.realTransform(spec, padded);
    return spec;
  }

  #checkLength(length: number): void {
    if (!(length >= 0 && length <= this.n)) throw new RangeError(`length must be in [0, ${this.n}], got ${length}`);
  }

  /** Copies the input into the module's buffer (zeros past `length`) and transforms it; returns the heap. */
  #run(input: Float64Array, length: number): Float32Array {
    const n = this.n, p = this.#plan!;
    const heap = this.#heap();
    heap.set(length === input.length ? input : input.subarray(0, length), p.input);
    if (length < n) heap.fill(0, p.input + length, p.input + n);
    pffft!.transformOrdered(p.setup, p.input << 2, p.output << 2, p.work << 2, PFFFT_FORWARD);
    return heap;
  }
}
