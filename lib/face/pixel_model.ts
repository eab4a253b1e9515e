/**
 * The pixel expression model on the server side. The browser (static/face/pixel_model.js) runs the CNN on the
 * aligned face crop and sends only its raw probabilities (`pixelProbs` on the `face` message); here they are
 * pooled with the blendshape model by the calibrated log-linear combination of the card (models/face_cnn.card.json,
 * fitted on a carve-out of FER2013 train by training/face/train_pixel.py):
 *   log p(c) ∝ blendWeight·log softmax(blend logits / blendTemperature)_c + pixelWeight·log pixelProbs_c + bias_c.
 * {@linkcode PixelModel} runs the same ONNX in Deno (parity tests, tools).
 */
import { NUM_EMOTIONS } from "../emotion/labels.ts";
import { ModelLoadError, OnnxModel, ort } from "../inference/onnx_model.ts";

/** Default file stem of the pixel model in the models directory. */
export const DEFAULT_PIXEL_MODEL_NAME = "face_cnn";
/** Side of the crop the model reads (static/face/pixel_crop.js CROP_SIZE). */
export const PIXEL_CROP_SIZE = 48;

/** The pooling parameters of the card's `combination`. */
export interface PixelCombination {
  /** Name of the blendshape model the weights were fitted with. */
  blendModel: string;
  blendTemperature: number;
  blendWeight: number;
  pixelWeight: number;
  /** Per-class offsets, EMOTIONS order. */
  bias: number[];
  /** Probabilities below this are raised to it before the log (the wire rounds to 1e-6). */
  probabilityFloor: number;
}

/** Reads and checks a card's `combination`; throws ModelLoadError naming the bad field. */
export function parsePixelCombination(card: Record<string, unknown>, where: string): PixelCombination {
  // deno-lint-ignore no-explicit-any
  const c = card.combination as any;
  const num = (k: string, positive = false) => {
    const v = c?.[k];
    if (typeof v !== "number" || !Number.isFinite(v) || (positive && !(v > 0))) {
      throw new ModelLoadError(`${where}: combination.${k} must be a ${positive ? "positive " : ""}number`);
    }
    return v;
  };
  const bias = c?.bias;
  if (!Array.isArray(bias) || bias.length !== NUM_EMOTIONS || !bias.every((b) => Number.isFinite(b))) {
    throw new ModelLoadError(`${where}: combination.bias must hold ${NUM_EMOTIONS} numbers`);
  }
  if (typeof c.blendModel !== "string") throw new ModelLoadError(`${where}: combination.blendModel missing`);
  return {
    blendModel: c.blendModel,
    blendTemperature: num("blendTemperature", true),
    blendWeight: num("blendWeight"),
    pixelWeight: num("pixelWeight"),
    bias: bias.slice(),
    probabilityFloor: num("probabilityFloor", true),
  };
}

/** Pooled probabilities of one frame from the blendshape logits and the browser's pixel probabilities. */
export function pooledProbs(
  c: PixelCombination,
  blendLogits: ArrayLike<number>,
  pixelProbs: ArrayLike<number>,
): number[] {
  const lb = logSoftmax(Array.from(blendLogits, (v) => v / c.blendTemperature));
  let sum = 0;
  for (let k = 0; k < NUM_EMOTIONS; k++) sum += Math.max(pixelProbs[k], c.probabilityFloor);
  const z = lb.map((v, k) =>
    c.blendWeight * v + c.pixelWeight * Math.log(Math.max(pixelProbs[k], c.probabilityFloor) / sum) + c.bias[k]
  );
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

function logSoftmax(z: number[]): number[] {
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
  return z.map((v) => v - lse);
}

/** The pixel CNN run by onnxruntime-web in Deno (the browser runs the same file). */
export class PixelModel {
  private constructor(private readonly onnx: OnnxModel, readonly card: Record<string, unknown>) {}

  /** Loads `<modelsDir>/<stem>.onnx` and its card. */
  static async load(modelsDir: string, stem = DEFAULT_PIXEL_MODEL_NAME): Promise<PixelModel> {
    const cardPath = `${modelsDir}/${stem}.card.json`;
    let card: Record<string, unknown>;
    try {
      card = JSON.parse(await Deno.readTextFile(cardPath));
    } catch (err) {
      throw new ModelLoadError(`cannot read pixel model card ${cardPath}: ${(err as Error).message}`, { cause: err });
    }
    const onnx = await OnnxModel.load(`${modelsDir}/${stem}.onnx`, { inputs: ["crop"], outputs: ["logits"] });
    return new PixelModel(onnx, card);
  }

  /** Logits of crops of PIXEL_CROP_SIZE² gray bytes each. */
  async logits(crops: Uint8Array[]): Promise<Float32Array[]> {
    const n = PIXEL_CROP_SIZE * PIXEL_CROP_SIZE;
    const input = new Float32Array(crops.length * n);
    crops.forEach((c, i) => {
      if (c.length !== n) throw new RangeError(`crop ${i} must hold ${n} bytes`);
      for (let p = 0; p < n; p++) input[i * n + p] = c[p] / 255;
    });
    const shape = [crops.length, 1, PIXEL_CROP_SIZE, PIXEL_CROP_SIZE];
    const out = await this.onnx.run({ crop: new ort.Tensor("float32", input, shape) });
    const l = out.logits.data as Float32Array;
    return crops.map((_, i) => l.slice(i * NUM_EMOTIONS, (i + 1) * NUM_EMOTIONS));
  }

  /** Releases the ONNX session. */
  async release(): Promise<void> {
    await this.onnx.release();
  }
}
