/**
 * The embedded recogniser: CMU pocketsphinx (Debian's `pocketsphinx` 0.8+5prealpha with the
 * `pocketsphinx-en-us` acoustic model, 70k-word trigram LM and CMUdict; BSD licence), run as
 * `pocketsphinx_batch` reading its control file from stdin. Each utterance is written as raw
 * 16-bit PCM into the process's own temp folder and named on stdin; the process answers with a
 * `-hyp` line, then one `-ctm` line per word (start and duration in s, lattice posterior as
 * confidence). A one-frame silence named "sil" follows every utterance: its hyp line marks the
 * end of the utterance's words, so no word count has to be trusted.
 *
 * US English only.
 */
import { join } from "node:path";
import { calibrate, type CalibrationMap, SPHINX_CALIBRATION } from "./confidence_calibration.ts";
import { type Recognition, type RecognizedWord, toS16le, utteranceConfidence } from "./recognizer.ts";
import { drainInto, readLines, type RecognizerProcess, TailBuffer } from "./recognizer_process.ts";

/** Where Debian's pocketsphinx-en-us puts the model. */
export const DEBIAN_SPHINX_MODEL_DIR = "/usr/share/pocketsphinx/model/en-us";

/** Model name reported with every recognition. */
export const SPHINX_MODEL_NAME = "pocketsphinx@5prealpha/en-us";

/** Options for {@linkcode SphinxProcess.start}. */
export interface SphinxOptions {
  /** Executable; default "pocketsphinx_batch". */
  binary?: string;
  /** Folder holding `en-us/` (acoustic model), `en-us.lm.bin` and `cmudict-en-us.dict`; default Debian's. */
  modelDir?: string;
  /** Further `-name value` arguments (e.g. `["-lw", "8"]`). */
  extraArgs?: string[];
  /**
   * Map from the lattice posterior to P(word right); default the fitted one
   * (asr_calibration.json); null reports raw posteriors (what the fit itself needs).
   */
  calibration?: CalibrationMap | null;
}

/** Name of the end-marker utterance (100 ms of silence). */
const SENTINEL = "sil";
/** The end marker: 10 ms frames × 10 of digital silence, s16le. */
const SENTINEL_BYTES = new Uint8Array(3200);

interface Pending {
  file: string;
  words: RecognizedWord[];
  hyp?: string;
  resolve: (r: Recognition) => void;
  reject: (e: Error) => void;
}

/** Files the model folder must hold. */
export function sphinxModelFiles(modelDir = DEBIAN_SPHINX_MODEL_DIR): { hmm: string; lm: string; dict: string } {
  return {
    hmm: join(modelDir, "en-us"),
    lm: join(modelDir, "en-us.lm.bin"),
    dict: join(modelDir, "cmudict-en-us.dict"),
  };
}

/** One running pocketsphinx_batch. */
export class SphinxProcess implements RecognizerProcess {
  readonly exited: Promise<string>;
  #child: Deno.ChildProcess;
  #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #dir: string;
  #pending?: Pending;
  #next = 0;
  #stderr = new TailBuffer();
  #dead?: string;

  #calibration: CalibrationMap | null;

  private constructor(child: Deno.ChildProcess, dir: string, calibration: CalibrationMap | null) {
    this.#calibration = calibration;
    this.#child = child;
    this.#dir = dir;
    this.#stdin = child.stdin.getWriter();
    drainInto(child.stderr, this.#stderr);
    const lines = readLines(child.stdout, (l) => this.#onLine(l)).catch(() => {});
    this.exited = Promise.all([child.status, lines]).then(([s]) => {
      this.#dead = `pocketsphinx exited (${s.signal ?? `code ${s.code}`})${this.#tail()}`;
      this.#pending?.reject(new Error(this.#dead));
      this.#pending = undefined;
      Deno.remove(this.#dir, { recursive: true }).catch(() => {});
      return this.#dead;
    });
  }

  /** Checks the binary and model, then starts the process (the model loads in about 1 s). */
  static async start(options: SphinxOptions = {}): Promise<SphinxProcess> {
    const files = sphinxModelFiles(options.modelDir);
    for (const f of Object.values(files)) {
      try {
        await Deno.stat(f);
      } catch {
        throw new Error(`pocketsphinx model file missing: ${f} (apt-get install pocketsphinx-en-us)`);
      }
    }
    const dir = await Deno.makeTempDir({ prefix: "affectstream-asr-" });
    await Deno.writeFile(join(dir, `${SENTINEL}.raw`), SENTINEL_BYTES);
    const args = [
      "-hmm",
      files.hmm,
      "-lm",
      files.lm,
      "-dict",
      files.dict,
      "-ctl",
      "/dev/stdin",
      "-adcin",
      "yes",
      "-cepdir",
      dir,
      "-cepext",
      ".raw",
      "-samprate",
      "16000",
      "-hyp",
      "/dev/stdout",
      "-ctm",
      "/dev/stdout",
      ...(options.extraArgs ?? []),
    ];
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(options.binary ?? "pocketsphinx_batch", {
        args,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (err) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw new Error(
        `cannot run ${options.binary ?? "pocketsphinx_batch"}: ${
          (err as Error).message
        } (apt-get install pocketsphinx)`,
      );
    }
    return new SphinxProcess(child, dir, options.calibration === undefined ? SPHINX_CALIBRATION : options.calibration);
  }

  async recognize(pcm16k: Float32Array, _utteranceId: string): Promise<Recognition> {
    if (this.#dead) throw new Error(this.#dead);
    if (this.#pending) throw new Error("SphinxProcess: one utterance at a time");
    const file = `u${++this.#next}`;
    const path = join(this.#dir, `${file}.raw`);
    await Deno.writeFile(path, toS16le(pcm16k));
    try {
      const result = new Promise<Recognition>((resolve, reject) => {
        this.#pending = { file, words: [], resolve, reject };
      });
      await this.#stdin.write(new TextEncoder().encode(`${file}\n${SENTINEL}\n`));
      return await result;
    } finally {
      this.#pending = undefined;
      await Deno.remove(path).catch(() => {});
    }
  }

  /** The child's process id (for CPU accounting in measurements). */
  get pid(): number {
    return this.#child.pid;
  }

  kill(): void {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }

  #onLine(line: string): void {
    const p = this.#pending;
    if (!p) return;
    // hyp: "words of the utterance (uttid score)"
    const hyp = /^(.*)\((\S+)\s+(-?\d+)\)\s*$/.exec(line);
    if (hyp) {
      if (hyp[2] === p.file) p.hyp = hyp[1].trim();
      else if (hyp[2] === SENTINEL) this.#finish(p);
      return;
    }
    // ctm: "uttid channel start_s duration_s word posterior"
    const f = line.trim().split(/\s+/);
    if (f.length >= 6 && f[0] === p.file) {
      const start = Number(f[2]), dur = Number(f[3]), conf = Number(f[5]);
      if ([start, dur, conf].every(Number.isFinite)) {
        p.words.push({
          text: f[4].toLowerCase(),
          startMs: Math.round(start * 1000),
          endMs: Math.round((start + dur) * 1000),
          confidence: this.#calibration
            ? calibrate(Math.min(1, Math.max(0, conf)), this.#calibration)
            : Math.min(1, Math.max(0, conf)),
        });
      }
    }
  }

  #finish(p: Pending): void {
    const text = p.words.length ? p.words.map((w) => w.text).join(" ") : (p.hyp ?? "");
    p.resolve({ text, words: p.words, confidence: utteranceConfidence(p.words), model: SPHINX_MODEL_NAME });
  }

  #tail(): string {
    const t = this.#stderr.lastLines();
    return t ? `: ${t}` : "";
  }
}
