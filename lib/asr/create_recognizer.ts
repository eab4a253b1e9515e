/**
 * Builds the server's recogniser from its options: the embedded pocketsphinx (default) or any
 * command speaking JSON lines, each behind a bounded {@linkcode RecognizerPool}.
 */
import { JsonLinesProcess } from "./jsonl_process.ts";
import { RecognizerPool, type RecognizerPoolOptions } from "./recognizer_pool.ts";
import { type SphinxOptions, SphinxProcess } from "./sphinx_process.ts";

/** Options for {@linkcode createRecognizer}. */
export interface AsrOptions extends Omit<RecognizerPoolOptions, "spawn"> {
  /** "pocketsphinx" (default) or "jsonl" (needs `command`). */
  engine?: "pocketsphinx" | "jsonl";
  /** jsonl: the recogniser's executable and arguments. */
  command?: string[];
  /** pocketsphinx: binary, model folder, extra arguments. */
  sphinx?: SphinxOptions;
}

/** The recogniser pool for `options`; processes start on first use. */
export function createRecognizer(options: AsrOptions = {}): RecognizerPool {
  const engine = options.engine ?? "pocketsphinx";
  if (engine === "jsonl") {
    const command = options.command;
    if (!command?.length) throw new RangeError(`asr engine "jsonl" needs a command`);
    return new RecognizerPool({ ...options, spawn: () => JsonLinesProcess.start({ command }) });
  }
  if (engine !== "pocketsphinx") throw new RangeError(`unknown asr engine ${engine}`);
  return new RecognizerPool({ ...options, spawn: () => SphinxProcess.start(options.sphinx) });
}

/** Whether the embedded recogniser can run here (binary on PATH and model installed). */
export async function sphinxAvailable(options: SphinxOptions = {}): Promise<boolean> {
  try {
    const p = await SphinxProcess.start(options);
    p.kill();
    await p.exited;
    return true;
  } catch {
    return false;
  }
}
