/**
 * The face model, loaded once per server: the per-frame ONNX classifier, its model card
 * (temperature, labels, feature size) and one batch scheduler shared by every participant's
 * {@linkcode FaceStream}.
 */
import { EMOTIONS, NUM_EMOTIONS } from "../emotion/labels.ts";
import { BatchScheduler, type BatchSchedulerOptions } from "../inference/batch_scheduler.ts";
import { ModelLoadError, OnnxModel, ort } from "../inference/onnx_model.ts";
import { FACE_FEATURE_DIM } from "./face_features.ts";
import { DEFAULT_PIXEL_MODEL_NAME, parsePixelCombination, type PixelCombination, pooledProbs } from "./pixel_model.ts";
import { softmax } from "../emotion/affect.ts";

/** Default model file stem in the models directory. */
export const DEFAULT_FACE_MODEL_NAME = "face_mlp";

/** Options for {@linkcode FaceModel.load}. */
export interface FaceModelOptions {
  /** Batching of inference across participants (defaults of BatchScheduler: batch 64, wait 2 ms). */
  scheduler?: BatchSchedulerOptions;
  /** File stem: loads `<modelsDir>/<stem>.onnx` and `<stem>.card.json`. Default "face_mlp". */
  stem?: string;
  /**
   * Card stem of the pixel model whose `combination` pools the browser's `pixelProbs` with this model; default
   * "face_cnn" (used when `<modelsDir>/face_cnn.card.json` exists and was fitted with this model), null = never.
   */
  pixelStem?: string | null;
}

/** A loaded face model. */
export class FaceModel {
  /** Frames scored so far (for health and benchmarks). */
  readonly scheduler: BatchScheduler<Float32Array, Float32Array>;

  private constructor(
    private readonly onnx: OnnxModel,
    /** The parsed model card. */
    readonly card: Record<string, unknown>,
    /** "name@version" from the card. */
    readonly name: string,
    /** Temperature from the card's calibration: probs = softmax(logits / temperature). */
    readonly temperature: number,
    schedulerOptions: BatchSchedulerOptions | undefined,
    /** Pooling with the browser's pixel-model probabilities, when a pixel card is present. */
    readonly pixel: (PixelCombination & { name: string }) | null = null,
  ) {
    this.scheduler = new BatchScheduler((rows) => this.logitsBatch(rows), { name: "face", ...schedulerOptions });
  }

  /** Loads `<modelsDir>/face_mlp.onnx` and its card; fails loudly on any mismatch. */
  static async load(modelsDir: string, options: FaceModelOptions = {}): Promise<FaceModel> {
    const stem = options.stem ?? DEFAULT_FACE_MODEL_NAME;
    const cardPath = `${modelsDir}/${stem}.card.json`;
    let card: Record<string, any>;
    try {
      card = JSON.parse(await Deno.readTextFile(cardPath));
    } catch (err) {
      throw new ModelLoadError(`cannot read face model card ${cardPath}: ${(err as Error).message}`, { cause: err });
    }
    if (JSON.stringify(card.labels) !== JSON.stringify(EMOTIONS)) {
      throw new ModelLoadError(`${cardPath}: labels ${JSON.stringify(card.labels)} are not ${EMOTIONS.join(",")}`);
    }
    const temperature = card.calibration?.temperature;
    if (typeof temperature !== "number" || !(temperature > 0)) {
      throw new ModelLoadError(`${cardPath}: calibration.temperature must be a positive number`);
    }
    const dim = card.inputs?.[0]?.shape?.[1];
    if (dim !== FACE_FEATURE_DIM) {
      throw new ModelLoadError(`${cardPath}: model takes ${dim} features, this code computes ${FACE_FEATURE_DIM}`);
    }
    const pixel = await loadPixelCombination(modelsDir, options.pixelStem, card.name);
    const onnx = await OnnxModel.load(`${modelsDir}/${stem}.onnx`, { inputs: ["features"], outputs: ["logits"] });
    return new FaceModel(onnx, card, `${card.name}@${card.version}`, temperature, options.scheduler, pixel);
  }

  /**
   * Calibrated probabilities of one frame: softmax(logits / temperature), or, with the browser's pixel-model
   * probabilities and a pixel card, the card's log-linear pooling of both.
   */
  frameProbs(logits: ArrayLike<number>, pixelProbs?: readonly number[]): number[] {
    if (this.pixel && pixelProbs) return pooledProbs(this.pixel, logits, pixelProbs);
    return softmax(Array.from(logits), this.temperature);
  }

  /** Logits of one feature vector, batched with other callers' requests. */
  logits(features: Float32Array): Promise<Float32Array> {
    if (features.length !== FACE_FEATURE_DIM) throw new RangeError(`expected ${FACE_FEATURE_DIM} features`);
    return this.scheduler.submit(features);
  }

  /** Logits of many feature vectors in one ONNX call (bypasses the scheduler). */
  async logitsBatch(rows: Float32Array[]): Promise<Float32Array[]> {
    if (rows.length === 0) return [];
    const input = new Float32Array(rows.length * FACE_FEATURE_DIM);
    rows.forEach((r, i) => input.set(r, i * FACE_FEATURE_DIM));
    const out = await this.onnx.run({ features: new ort.Tensor("float32", input, [rows.length, FACE_FEATURE_DIM]) });
    const logits = out.logits.data as Float32Array;
    return rows.map((_, i) => logits.slice(i * NUM_EMOTIONS, (i + 1) * NUM_EMOTIONS));
  }

  /** Releases the ONNX session. */
  async release(): Promise<void> {
    await this.onnx.release();
  }
}

async function loadPixelCombination(
  modelsDir: string,
  stem: string | null | undefined,
  blendName: string,
): Promise<(PixelCombination & { name: string }) | null> {
  if (stem === null) return null;
  const path = `${modelsDir}/${stem ?? DEFAULT_PIXEL_MODEL_NAME}.card.json`;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (stem === undefined && err instanceof Deno.errors.NotFound) return null; // the default is optional
    throw new ModelLoadError(`cannot read pixel model card ${path}: ${(err as Error).message}`, { cause: err });
  }
  const card = JSON.parse(text);
  const c = parsePixelCombination(card, path);
  if (c.blendModel !== blendName) {
    throw new ModelLoadError(`${path}: combination fitted with ${c.blendModel}, this face model is ${blendName}`);
  }
  return { ...c, name: `${card.name}@${card.version}` };
}
