/**
 * The models of a server, loaded once at start: Silero VAD (always) and the voice, face and
 * text emotion models when their files are in the models folder. A model whose files are
 * present but broken stops the start with a clear error; a model that is absent disables its
 * modality, and `/v1/health` says so.
 */
import { fileURLToPath } from "node:url";
import { FaceModel, FaceStream } from "../face/mod.ts";
import type { BatchSchedulerOptions } from "../inference/batch_scheduler.ts";
import type { Modality } from "../modality/estimate.ts";
import { SileroVad } from "../segment/silero_vad.ts";
import { Conversation } from "../text/conversation.ts";
import { TextModel } from "../text/text_model.ts";
import { VoiceModel, VoiceStream, type VoiceStreamOptions } from "../voice/mod.ts";
import { AsrStream } from "../asr/asr_stream.ts";
import { type AsrOptions, createRecognizer } from "../asr/create_recognizer.ts";
import type { RecognizerPool } from "../asr/recognizer_pool.ts";
import type { AsrStage, StageFactory, VoiceStage } from "./stages.ts";
import { defaultVoiceWorkers, VoiceWorkerShards } from "./voice_worker_shards.ts";

/** The default models folder: models/ in the repository. */
export const DEFAULT_MODELS_DIR = fileURLToPath(new URL("../../models", import.meta.url));

/** Options for {@linkcode Engine.load}. */
export interface EngineOptions {
  /** Folder holding the ONNX files and cards. Default models/. */
  modelsDir?: string;
  /** Modalities to leave out even when their model exists. */
  disable?: Modality[];
  /** Batching of every model's shared queue. */
  scheduler?: BatchSchedulerOptions;
  /** Run Silero VAD in its own worker thread (the server does; offline analysis does not). Default false. */
  vadWorker?: boolean;
  /** Run voice feature extraction and the voice model in worker threads (the server does). Default false. */
  voiceWorker?: boolean;
  /**
   * How many voice workers share the participants (with `voiceWorker`). Default one per core
   * beyond the first, 1 to 4 (`defaultVoiceWorkers`; `AFFECTSTREAM_VOICE_WORKERS` overrides).
   */
  voiceWorkers?: number;
  /**
   * Speech recognition for audio without transcripts (docs/asr.md): the recogniser pool's options
   * (the server and `analyze` pass them unless `--asr off`). Default: none.
   */
  asr?: AsrOptions | false;
}

/** A model as reported by `/v1/models`. */
export interface ModelInfo {
  name: string;
  modality: Modality | "vad";
  card: Record<string, unknown>;
}

/** Files each modality's model needs, relative to the models folder. */
const MODEL_FILES: Record<Modality, string> = {
  voice: "voice_emotion.onnx",
  face: "face_mlp.onnx",
  text: "text_emotion.onnx",
};

function voiceWorkerCount(options: EngineOptions): number {
  const env = Deno.env.get("AFFECTSTREAM_VOICE_WORKERS");
  return options.voiceWorkers ?? (env ? Number(env) : defaultVoiceWorkers());
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Loaded models and the stage factory built on them. */
export class Engine implements StageFactory {
  private constructor(
    readonly vad: SileroVad,
    readonly voice: VoiceModel | VoiceWorkerShards | undefined,
    readonly face: FaceModel | undefined,
    readonly text: TextModel | undefined,
    /** Why a modality is unavailable. */
    readonly unavailable: Partial<Record<Modality, string>>,
  ) {}

  /** Loads every model once. */
  static async load(options: EngineOptions = {}): Promise<Engine> {
    const dir = options.modelsDir ?? DEFAULT_MODELS_DIR;
    const unavailable: Partial<Record<Modality, string>> = {};
    const want = async (m: Modality) => {
      if (options.disable?.includes(m)) {
        unavailable[m] = "disabled by option";
        return false;
      }
      if (!(await exists(`${dir}/${MODEL_FILES[m]}`))) {
        unavailable[m] = `no model file ${MODEL_FILES[m]} in ${dir}`;
        return false;
      }
      return true;
    };
    const sched = options.scheduler ? { scheduler: options.scheduler } : {};
    const [vad, voice, face, text] = await Promise.all([
      SileroVad.load({ worker: options.vadWorker }),
      (await want("voice"))
        ? (options.voiceWorker ? VoiceWorkerShards.start(dir, voiceWorkerCount(options)) : VoiceModel.load(dir, sched))
        : undefined,
      (await want("face")) ? FaceModel.load(dir, sched) : undefined,
      (await want("text")) ? TextModel.load(dir, sched) : undefined,
    ]);
    const engine = new Engine(vad, voice, face, text, unavailable);
    // Processes start on first use, so an engine that never meets untranscribed audio costs nothing.
    if (options.asr) engine.recognizer = createRecognizer(options.asr);
    return engine;
  }

  /** Modalities with a loaded model. */
  get modalities(): Modality[] {
    return (["voice", "face", "text"] as const).filter((m) => this[m] !== undefined);
  }

  /** Loaded models with their cards. */
  models(): ModelInfo[] {
    const out: ModelInfo[] = [{
      name: "silero_vad@5",
      modality: "vad",
      card: {
        name: "silero_vad",
        version: "5",
        source: "models/silero_vad_v5_16k.onnx: @ricky0123/vad-web (npm) dist/silero_vad_v5.onnx, " +
          "16 kHz graph rewritten as batched products by training/vad/batched_silero.py (models/silero_vad.md)",
        licence: "MIT (snakers4/silero-vad)",
        frameSamples: 512,
        sampleRate: 16000,
      },
    }];
    if (this.voice) out.push({ name: this.voice.name, modality: "voice", card: this.voice.card });
    if (this.face) out.push({ name: this.face.name, modality: "face", card: this.face.card });
    if (this.text) out.push({ name: this.text.name, modality: "text", card: this.text.card });
    return out;
  }

  /** The shared recogniser pool, when speech recognition is on. */
  recognizer?: RecognizerPool;

  /** A participant's speech-recognition stage; undefined when recognition is off. */
  createAsr(): AsrStage | undefined {
    return this.recognizer ? new AsrStream(this.recognizer) : undefined;
  }

  /** Stops the worker threads and recogniser processes, if any. */
  close(): void {
    void this.recognizer?.close();
    this.vad.close();
    if (this.voice instanceof VoiceWorkerShards) this.voice.close();
  }

  /** A participant's voice stage; `options` apply to in-thread streams (offline analysis). */
  createVoice(options?: VoiceStreamOptions): VoiceStage | undefined {
    if (!this.voice) return undefined;
    if (this.voice instanceof VoiceWorkerShards) return this.voice.open();
    const s = new VoiceStream(this.voice, options);
    return {
      push: (samples) => s.push(samples),
      analyze: (span) => s.analyze(span),
      summary: (span) => Promise.resolve(s.summary(span)),
      speech: (earliestStartMs, inSpeech) => s.speech(earliestStartMs, inSpeech),
      release: () => s.release(),
    };
  }

  createFace(): FaceStream | undefined {
    return this.face ? new FaceStream(this.face) : undefined;
  }

  createText(): Conversation | undefined {
    return this.text ? new Conversation(this.text) : undefined;
  }
}
