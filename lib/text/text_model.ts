/**
 * The text emotion model, loaded once per server: its ONNX session (onnxruntime-web, one WASM thread),
 * its vocabulary and its card. Requests from every conversation run through one
 * {@linkcode BatchScheduler}, so concurrent utterances share a model call. The network outputs logits;
 * temperature scaling from the card turns them into calibrated probabilities here.
 */
import { EMOTIONS, SENTIMENTS } from "../emotion/labels.ts";
import { normalizedEntropy, softmax, valenceArousal } from "../emotion/affect.ts";
import { BatchScheduler, type BatchSchedulerOptions } from "../inference/batch_scheduler.ts";
import { OnnxModel, ort } from "../inference/onnx_model.ts";
import type { ModalityEstimate } from "../modality/estimate.ts";
import { type EncodedWindow, packWindows } from "./context_window.ts";
import { TextModelError } from "./errors.ts";
import { TextTokenizer } from "./tokenizer.ts";

/** Input names of the ONNX graph. */
export const TEXT_MODEL_INPUTS = ["input_ids", "same_speaker"] as const;
/** Output names of the ONNX graph: emotion and sentiment logits, and two validation-only native heads. */
export const TEXT_MODEL_OUTPUTS = ["logits", "sentiment_logits", "emorynlp_logits", "emocontext_logits"] as const;

/** Windows share an ONNX call while their longest turns are within ratio × shortest + slack tokens. */
const LENGTH_GROUP_RATIO = 1.5;
const LENGTH_GROUP_SLACK = 4;

/** Options for {@linkcode TextModel.load}. */
export interface TextModelLoadOptions {
  /** Batching of requests across conversations. Default: maxBatch 64, maxWaitMs 2. */
  scheduler?: BatchSchedulerOptions;
  /** Base name of the files in modelsDir (`<name>.onnx`, `.card.json`, `.vocab.txt`). Default "text_emotion". */
  modelName?: string;
}

/** Raw outputs of the network for one window. */
export interface TextLogits {
  logits: number[];
  sentimentLogits: number[];
  emorynlpLogits: number[];
  emocontextLogits: number[];
}

function cardNumber(card: Record<string, unknown>, path: string[]): number {
  let v: unknown = card;
  for (const key of path) v = (v as Record<string, unknown> | undefined)?.[key];
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new TextModelError(`model card lacks numeric ${path.join(".")}`);
  }
  return v;
}

/** A loaded text emotion model. */
export class TextModel {
  readonly name: string;
  readonly contextTurns: number;
  /** Temperature applied to emotion logits (from the card's calibration). */
  readonly temperature: number;
  /** Temperature applied to sentiment logits. */
  readonly sentimentTemperature: number;
  readonly #scheduler: BatchScheduler<EncodedWindow, TextLogits>;

  private constructor(
    readonly card: Record<string, unknown>,
    readonly tokenizer: TextTokenizer,
    readonly onnx: OnnxModel,
    schedulerOptions: BatchSchedulerOptions,
  ) {
    this.name = `${card.name}@${card.version}`;
    this.contextTurns = cardNumber(card, ["preprocessing", "contextTurns"]);
    this.temperature = cardNumber(card, ["calibration", "temperature"]);
    this.sentimentTemperature = cardNumber(card, ["calibration", "sentiment", "temperature"]);
    if (!(this.temperature > 0) || !(this.sentimentTemperature > 0)) {
      throw new TextModelError("temperatures must be > 0");
    }
    this.#scheduler = new BatchScheduler((w) => this.run(w), { name: this.name, ...schedulerOptions });
  }

  /** Loads `<modelsDir>/text_emotion.{onnx,card.json,vocab.txt}` and checks they agree. */
  static async load(modelsDir: string, options: TextModelLoadOptions = {}): Promise<TextModel> {
    const base = `${modelsDir}/${options.modelName ?? "text_emotion"}`;
    let card: Record<string, unknown>;
    try {
      card = JSON.parse(await Deno.readTextFile(`${base}.card.json`));
    } catch (err) {
      throw new TextModelError(`cannot read model card ${base}.card.json: ${(err as Error).message}`, { cause: err });
    }
    if (JSON.stringify(card.labels) !== JSON.stringify(EMOTIONS)) {
      throw new TextModelError(`${base}.card.json: labels ${JSON.stringify(card.labels)} are not EMOTIONS`);
    }
    if (JSON.stringify(card.sentimentLabels) !== JSON.stringify(SENTIMENTS)) {
      throw new TextModelError(`${base}.card.json: sentimentLabels are not SENTIMENTS`);
    }
    const maxTokens = cardNumber(card, ["preprocessing", "maxTokens"]);
    const tokenizer = await TextTokenizer.load(`${base}.vocab.txt`, { maxTokens });
    const vocabSize = cardNumber(card, ["preprocessing", "vocabSize"]);
    if (tokenizer.size !== vocabSize) {
      throw new TextModelError(`${base}.vocab.txt gives ${tokenizer.size} ids, the card says ${vocabSize}`);
    }
    const onnx = await OnnxModel.load(`${base}.onnx`, { inputs: TEXT_MODEL_INPUTS, outputs: TEXT_MODEL_OUTPUTS });
    return new TextModel(card, tokenizer, onnx, options.scheduler ?? {});
  }

  /** Queues one window on the shared scheduler; resolves with its logits. */
  infer(window: EncodedWindow): Promise<TextLogits> {
    if (window.turns.length !== this.contextTurns + 1) {
      return Promise.reject(new RangeError(`a window has ${this.contextTurns + 1} turns, got ${window.turns.length}`));
    }
    return this.#scheduler.submit(window);
  }

  /**
   * Runs windows through the network, bypassing the scheduler (offline evaluation, benchmarks). Every
   * turn of a call is padded to the call's longest turn, so windows are grouped by length and each group
   * runs as one ONNX call: a long turn does not make a whole batch of short ones pay for its padding.
   * Results are in input order and do not depend on the grouping (padding does not change the output).
   */
  async run(windows: EncodedWindow[]): Promise<TextLogits[]> {
    const longest = windows.map((w) => Math.max(1, ...w.turns.map((t) => t.length)));
    const order = windows.map((_, i) => i).sort((a, b) => longest[a] - longest[b]);
    const results = new Array<TextLogits>(windows.length);
    for (let start = 0; start < order.length;) {
      let end = start + 1;
      const limit = LENGTH_GROUP_RATIO * longest[order[start]] + LENGTH_GROUP_SLACK;
      while (end < order.length && longest[order[end]] <= limit) end++;
      const group = order.slice(start, end);
      const outs = await this.#runGroup(group.map((i) => windows[i]));
      group.forEach((i, j) => results[i] = outs[j]);
      start = end;
    }
    return results;
  }

  async #runGroup(windows: EncodedWindow[]): Promise<TextLogits[]> {
    const batch = packWindows(windows);
    const [b, k] = batch.dims;
    const out = await this.onnx.run({
      input_ids: new ort.Tensor("int64", batch.inputIds, batch.dims),
      same_speaker: new ort.Tensor("float32", batch.sameSpeaker, [b, k]),
    });
    const rows = (name: string, i: number) => {
      const t = out[name];
      const width = t.dims[1];
      return Array.from((t.data as Float32Array).subarray(i * width, (i + 1) * width));
    };
    return windows.map((_, i) => ({
      logits: rows("logits", i),
      sentimentLogits: rows("sentiment_logits", i),
      emorynlpLogits: rows("emorynlp_logits", i),
      emocontextLogits: rows("emocontext_logits", i),
    }));
  }

  /** Calibrated estimate from one window's logits (coverage 1: the text was there). */
  toEstimate(out: TextLogits): ModalityEstimate {
    const probs = softmax(out.logits, this.temperature);
    const s = softmax(out.sentimentLogits, this.sentimentTemperature);
    return {
      modality: "text",
      probs,
      confidence: Math.max(...probs),
      uncertainty: normalizedEntropy(probs),
      ...valenceArousal(probs),
      coverage: 1,
      sentiment: { negative: s[0], neutral: s[1], positive: s[2] },
      model: this.name,
    };
  }

  /** Requests waiting in the shared queue. */
  get pending(): number {
    return this.#scheduler.pending;
  }

  /** Releases the ONNX session. */
  async release(): Promise<void> {
    await this.onnx.release();
  }
}
