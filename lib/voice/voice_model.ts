/**
 * The voice emotion model: its ONNX session and model card, loaded once per server and
 * shared by every participant. Requests from all streams go through one BatchScheduler.
 */
import { BatchScheduler, type BatchSchedulerOptions } from "../inference/batch_scheduler.ts";
import { type ExecutionProvider, OnnxModel, ort } from "../inference/onnx_model.ts";
import { EMOTIONS } from "../emotion/labels.ts";
import { FEATURE_COUNT } from "./functional_names.ts";
import { VoiceModelError } from "./errors.ts";
import type { SpeakerNormalizerOptions } from "./speaker_normalizer.ts";

/** File stem of the model in the models folder. */
export const VOICE_MODEL_STEM = "voice_emotion";

/** Options for {@linkcode VoiceModel.load}. */
export interface VoiceModelOptions {
  /** Batching of inference requests across participants (defaults of BatchScheduler). */
  scheduler?: BatchSchedulerOptions;
  /** onnxruntime-web backend. Default "wasm". */
  executionProvider?: ExecutionProvider;
}

/** A loaded voice model with its validated card. */
export class VoiceModel {
  /** Parsed `voice_emotion.card.json`. */
  readonly card: Record<string, unknown>;
  /** Model name and version, e.g. `voice_emotion@1`. */
  readonly name: string;
  /** Softmax temperature from the card's calibration. */
  readonly temperature: number;
  /** Indices into the full feature vector (FEATURE_NAMES) that form the model input. */
  readonly featureIndices: readonly number[];
  /** Prior statistics and settings for each stream's {@linkcode SpeakerNormalizer}. */
  readonly normalization: SpeakerNormalizerOptions;
  readonly scheduler: BatchScheduler<Float32Array, Float32Array>;
  #onnx: OnnxModel;

  private constructor(onnx: OnnxModel, card: Record<string, unknown>, options: VoiceModelOptions) {
    this.#onnx = onnx;
    this.card = card;
    this.name = `${card.name}@${card.version}`;
    const cal = card.calibration as { temperature?: number } | undefined;
    const t = cal?.temperature;
    if (typeof t !== "number" || !(t > 0)) throw new VoiceModelError("card.calibration.temperature must be > 0");
    this.temperature = t;
    const input = (card.inputs as { featureIndices?: number[]; shape?: unknown[] }[] | undefined)?.[0];
    const idx = input?.featureIndices;
    if (
      !Array.isArray(idx) || idx.length === 0 || idx.some((i) => !Number.isInteger(i) || i < 0 || i >= FEATURE_COUNT)
    ) {
      throw new VoiceModelError(`card.inputs[0].featureIndices must index the ${FEATURE_COUNT} features`);
    }
    this.featureIndices = idx;
    const labels = card.labels as string[] | undefined;
    if (!Array.isArray(labels) || labels.join() !== EMOTIONS.join()) {
      throw new VoiceModelError(`card.labels must be [${EMOTIONS}]`);
    }
    const n = card.normalization as Record<string, unknown> | undefined;
    const priorMean = n?.priorMean as number[] | undefined, priorVariance = n?.priorVariance as number[] | undefined;
    if (!Array.isArray(priorMean) || priorMean.length !== idx.length || !Array.isArray(priorVariance)) {
      throw new VoiceModelError("card.normalization prior does not match the input size");
    }
    this.normalization = {
      priorMean,
      priorVariance,
      shrinkage: Number(n?.shrinkage),
      clip: Number(n?.clip),
    };
    this.scheduler = new BatchScheduler((xs) => this.#runBatch(xs), { name: "voice", ...options.scheduler });
  }

  /** Loads `voice_emotion.onnx` and its card from `modelsDir`. */
  static async load(modelsDir: string, options: VoiceModelOptions = {}): Promise<VoiceModel> {
    let card: Record<string, unknown>;
    const cardPath = `${modelsDir}/${VOICE_MODEL_STEM}.card.json`;
    try {
      card = JSON.parse(await Deno.readTextFile(cardPath));
    } catch (err) {
      throw new VoiceModelError(`cannot read ${cardPath}: ${(err as Error).message}`, { cause: err });
    }
    const onnx = await OnnxModel.load(`${modelsDir}/${VOICE_MODEL_STEM}.onnx`, {
      inputs: ["features"],
      outputs: ["logits"],
      executionProvider: options.executionProvider,
    });
    return new VoiceModel(onnx, card, options);
  }

  /** Input length of the model. */
  get inputSize(): number {
    return this.featureIndices.length;
  }

  /** Logits for one normalised input vector, batched with other callers. */
  infer(input: Float32Array): Promise<Float32Array> {
    if (input.length !== this.inputSize) {
      return Promise.reject(new RangeError(`expected ${this.inputSize} inputs, got ${input.length}`));
    }
    return this.scheduler.submit(input);
  }

  async #runBatch(inputs: Float32Array[]): Promise<Float32Array[]> {
    const d = this.inputSize, b = inputs.length;
    const data = new Float32Array(b * d);
    inputs.forEach((x, i) => data.set(x, i * d));
    const out = await this.#onnx.run({ features: new ort.Tensor("float32", data, [b, d]) });
    const logits = out.logits;
    if (!logits || logits.dims.length !== 2 || logits.dims[0] !== b || logits.dims[1] !== EMOTIONS.length) {
      throw new VoiceModelError(`voice model returned logits of shape [${logits?.dims}], expected [${b}, 7]`);
    }
    const flat = logits.data as Float32Array;
    return inputs.map((_, i) => flat.slice(i * 7, i * 7 + 7));
  }

  /** Releases the ONNX session. */
  async release(): Promise<void> {
    await this.#onnx.release();
  }
}
