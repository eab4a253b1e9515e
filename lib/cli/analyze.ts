/**
 * `analyze`: recorded files through the live pipeline (events as JSON lines), or a manifest of
 * items, each analysed as one utterance (one JSON line per item, in manifest order).
 */
import { fileURLToPath } from "node:url";
import type { AsrOptions } from "../asr/create_recognizer.ts";
import type { Recognizer } from "../asr/recognizer.ts";
import { Engine, type EngineOptions } from "../engine/engine.ts";
import { FaceExtractor } from "../offline/face_extractor.ts";
import { MultiFaceExtractor } from "../offline/multi_face_extractor.ts";
import { ItemAnalyzer, type ItemResult } from "./item_analyzer.ts";
import { analyzeRecording } from "./recording_analyzer.ts";
import { groupByDialogue, readManifest } from "./manifest.ts";

/** Options for {@linkcode runAnalyze}. */
export interface AnalyzeOptions {
  files: string[];
  manifest?: string;
  out?: string;
  /** Video frames analysed per second for the face. Default 5. */
  fps?: number;
  faceModelPath?: string;
  engine?: EngineOptions;
  /** Manifest groups analysed at once. Default 3. */
  concurrency?: number;
  /**
   * Speech recognition for audio without text (docs/asr.md): options of the recogniser pool, or
   * false to turn it off (`--asr off`). Default: the embedded pocketsphinx, one process.
   */
  asr?: AsrOptions | false;
  /** Files: most faces tracked per video, largest first (`--max-faces`); default 4. */
  maxFaces?: number;
  /** Files: split audio-only recordings by voice changes (`--voice-changes off`); default true. */
  voiceChanges?: boolean;
}

/** Where the face landmarker model is looked for when no path is given. */
function defaultFaceModel(): string | undefined {
  const env = Deno.env.get("AFFECTSTREAM_FACE_MODEL");
  if (env) return env;
  const beside = fileURLToPath(new URL("../../../shared/data/models/face_landmarker.task", import.meta.url));
  try {
    Deno.statSync(beside);
    return beside;
  } catch {
    return undefined;
  }
}

/** Lazily opened face extractor shared by every item; null when face analysis cannot run. */
function lazyExtractor(engine: Engine, modelPath: string | undefined, fps: number) {
  let opening: Promise<FaceExtractor | null> | undefined;
  let warned = false;
  const get = () => {
    if (!engine.face) return Promise.resolve(null);
    if (!modelPath) {
      if (!warned) console.error("face: no face landmarker model (--face-model PATH); face analysis skipped");
      warned = true;
      return Promise.resolve(null);
    }
    return opening ??= FaceExtractor.open({ modelPath, fps }).catch((err) => {
      console.error(`face: cannot start face extraction: ${(err as Error).message}; face analysis skipped`);
      return null;
    });
  };
  const close = async () => {
    const e = await opening;
    await e?.close();
  };
  return { get, close };
}

/**
 * Lazily opened multi-face extractor for file mode (25 fps: mouth movement needs it, see
 * lib/offline/multi_face_extractor.ts); null when face analysis cannot run.
 */
function lazyMultiFace(engine: Engine, modelPath: string | undefined, maxFaces: number) {
  let opening: Promise<MultiFaceExtractor | null> | undefined;
  const get = () => {
    if (!engine.face || !modelPath) return Promise.resolve(null);
    return opening ??= MultiFaceExtractor.open({ modelPath, maxFaces }).catch((err) => {
      console.error(`face: cannot start face extraction: ${(err as Error).message}; face analysis skipped`);
      return null;
    });
  };
  const close = async () => {
    const e = await opening;
    await e?.close();
  };
  return { get, close };
}

/** Runs the command; returns the exit code. */
export async function runAnalyze(options: AnalyzeOptions): Promise<number> {
  if (!options.manifest && options.files.length === 0) {
    console.error("analyze: give FILE... or --manifest items.jsonl");
    return 2;
  }
  const fps = options.fps ?? 5;
  if (!(fps > 0 && fps <= 30)) throw new Error(`--fps must be in (0, 30], got ${options.fps}`);
  // One recogniser pool serves manifest items and files; manifest groups run `concurrency` at a
  // time, and its queue holds the rest of them.
  const engine = await Engine.load({
    ...options.engine,
    asr: options.asr === false || options.engine?.asr === false ? false : { maxQueue: 64, ...options.asr },
  });
  const modelPath = options.faceModelPath ?? defaultFaceModel();
  const face = lazyExtractor(engine, modelPath, fps);
  const multi = lazyMultiFace(engine, modelPath, options.maxFaces ?? 4);
  try {
    if (options.manifest) return await analyzeManifest(engine, face.get, options, engine.recognizer);
    return await analyzeFiles(engine, multi.get, options.files, options);
  } finally {
    await face.close();
    await multi.close();
    await engine.recognizer?.close();
  }
}

async function analyzeManifest(
  engine: Engine,
  extractor: () => Promise<FaceExtractor | null>,
  options: AnalyzeOptions,
  recognizer?: Recognizer,
): Promise<number> {
  const items = await readManifest(options.manifest!);
  const analyzer = new ItemAnalyzer(engine, extractor, recognizer);
  const groups = groupByDialogue(items);
  const results = new Array<ItemResult>(items.length);
  let next = 0, done = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < groups.length) {
      const g = groups[next++];
      const out = await analyzer.analyzeGroup(g);
      g.forEach((it, i) => results[it.index] = out[i]);
      done += g.length;
      if (Deno.stderr.isTerminal() || done === items.length) {
        const rate = done / ((performance.now() - t0) / 1000);
        Deno.stderr.writeSync(
          new TextEncoder().encode(`\ranalyze: ${done}/${items.length} items (${rate.toFixed(1)}/s)`),
        );
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 3 }, worker));
  console.error("");
  const lines = results.map((r) => JSON.stringify(r)).join("\n") + (results.length ? "\n" : "");
  if (options.out) await Deno.writeTextFile(options.out, lines);
  else await Deno.stdout.write(new TextEncoder().encode(lines));
  const failed = results.filter((r) => "error" in r).length;
  console.error(
    `analyze: ${items.length - failed} analysed, ${failed} failed${options.out ? ` → ${options.out}` : ""}`,
  );
  return 0;
}

async function analyzeFiles(
  engine: Engine,
  extractor: () => Promise<MultiFaceExtractor | null>,
  files: string[],
  options: AnalyzeOptions,
): Promise<number> {
  let failures = 0;
  const enc = new TextEncoder();
  for (const [i, path] of files.entries()) {
    try {
      await analyzeRecording(
        engine,
        path,
        `file-${i + 1}`,
        extractor,
        (e) => Deno.stdout.writeSync(enc.encode(JSON.stringify({ file: path, ...e }) + "\n")),
        { voiceChanges: options.voiceChanges },
      );
    } catch (err) {
      failures++;
      Deno.stdout.writeSync(
        enc.encode(JSON.stringify({ file: path, type: "error", message: (err as Error).message }) + "\n"),
      );
    }
  }
  return failures ? 1 : 0;
}
