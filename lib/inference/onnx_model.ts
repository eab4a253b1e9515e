/**
 * One loaded ONNX model. Created once at start, shared by every stream; the wrapper checks
 * the model's input and output names against what the caller expects and fails loudly.
 */
// Captures the Web Worker constructor before any session can replace it (see web_worker.ts).
import "./web_worker.ts";
import * as ort from "onnxruntime-web";

/** Which onnxruntime-web backend runs inference. */
export type ExecutionProvider = "wasm" | "webgpu";

/** Options for {@linkcode OnnxModel.load}. */
export interface OnnxModelOptions {
  /** Input names the caller will feed; loading fails if the model's differ. */
  inputs: readonly string[];
  /** Output names the caller will read; loading fails if any is missing. */
  outputs: readonly string[];
  /** Backend; default "wasm". "webgpu" falls back to "wasm" when no GPU adapter exists. */
  executionProvider?: ExecutionProvider;
}

/** Raised when a model file is missing or does not match its expected signature. */
export class ModelLoadError extends Error {
  readonly recoverable = false;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ModelLoadError";
  }
}

let wasmConfigured = false;

/** Configures the WASM backend once: single-threaded, since the scheduler batches instead. */
function configureWasm(): void {
  if (wasmConfigured) return;
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = "error";
  wasmConfigured = true;
}

/** Whether a WebGPU adapter is available in this runtime. */
export async function webgpuAvailable(): Promise<boolean> {
  // deno-lint-ignore no-explicit-any
  const gpu = (globalThis.navigator as any)?.gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) != null;
  } catch {
    return false;
  }
}

/** A loaded ONNX model with a verified signature. */
export class OnnxModel {
  private constructor(
    readonly path: string,
    readonly session: ort.InferenceSession,
    readonly executionProvider: ExecutionProvider,
  ) {}

  /** Loads a model file and checks its input/output names. */
  static async load(path: string, options: OnnxModelOptions): Promise<OnnxModel> {
    configureWasm();
    let provider: ExecutionProvider = options.executionProvider ?? "wasm";
    if (provider === "webgpu" && !(await webgpuAvailable())) provider = "wasm";
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(path);
    } catch (err) {
      throw new ModelLoadError(`cannot read model file ${path}: ${(err as Error).message}`, { cause: err });
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, { executionProviders: [provider] });
    } catch (err) {
      throw new ModelLoadError(`onnxruntime could not load ${path}: ${(err as Error).message}`, { cause: err });
    }
    const missingIn = options.inputs.filter((n) => !session.inputNames.includes(n));
    const extraIn = session.inputNames.filter((n) => !options.inputs.includes(n));
    const missingOut = options.outputs.filter((n) => !session.outputNames.includes(n));
    if (missingIn.length || extraIn.length || missingOut.length) {
      throw new ModelLoadError(
        `${path}: signature mismatch (model inputs [${session.inputNames}], outputs [${session.outputNames}]; ` +
          `expected inputs [${options.inputs}], outputs [${options.outputs}])`,
      );
    }
    return new OnnxModel(path, session, provider);
  }

  /** Runs the model on named tensors and returns the requested outputs. */
  run(feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.ReturnType> {
    return this.session.run(feeds);
  }

  /** Releases the ONNX session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}

export { ort };
