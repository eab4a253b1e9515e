/**
 * A recogniser behind any command that speaks JSON lines over stdio, so a stronger recogniser
 * (Whisper, Vosk, a cloud bridge) plugs in without code here. docs/asr.md documents the wire:
 *
 *   request  (stdin):  {"id": "u1", "sampleRate": 16000, "encoding": "s16le", "audio": "<base64>"}
 *   response (stdout): {"id": "u1", "text": "...", "words": [{"text", "startMs", "endMs", "confidence"}],
 *                       "confidence": 0.8, "model": "name@version"}
 *              or      {"id": "u1", "error": "message"}
 *
 * Word times are ms from the start of the request's audio; `words`, `confidence` and `model` are
 * optional (confidence defaults to the duration-weighted mean of word confidences). Lines that
 * are not JSON objects with a matching id are ignored (logs belong on stderr).
 */
import { Buffer } from "node:buffer";
import { ASR_SAMPLE_RATE, type Recognition, type RecognizedWord, toS16le, utteranceConfidence } from "./recognizer.ts";
import { drainInto, readLines, type RecognizerProcess, TailBuffer } from "./recognizer_process.ts";

/** Options for {@linkcode JsonLinesProcess.start}. */
export interface JsonLinesOptions {
  /** Executable and its arguments. */
  command: string[];
  /** Model name reported when responses do not name one; default the executable's name. */
  model?: string;
  /** Environment added to the child's. */
  env?: Record<string, string>;
}

interface Pending {
  id: string;
  resolve: (r: Recognition) => void;
  reject: (e: Error) => void;
}

/** Parses one word of a response; throws on a malformed one. */
function parseWord(w: unknown): RecognizedWord {
  const o = w as Record<string, unknown>;
  if (typeof o?.text !== "string" || typeof o.startMs !== "number" || typeof o.endMs !== "number") {
    throw new Error("word needs text, startMs and endMs");
  }
  const c = typeof o.confidence === "number" ? o.confidence : 1;
  return {
    text: o.text,
    startMs: o.startMs,
    endMs: Math.max(o.startMs, o.endMs),
    confidence: Math.min(1, Math.max(0, c)),
  };
}

/** One running JSON-lines recogniser. */
export class JsonLinesProcess implements RecognizerProcess {
  readonly exited: Promise<string>;
  #child: Deno.ChildProcess;
  #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #pending?: Pending;
  #stderr = new TailBuffer();
  #dead?: string;
  #model: string;

  private constructor(child: Deno.ChildProcess, model: string) {
    this.#child = child;
    this.#model = model;
    this.#stdin = child.stdin.getWriter();
    drainInto(child.stderr, this.#stderr);
    const lines = readLines(child.stdout, (l) => this.#onLine(l)).catch(() => {});
    this.exited = Promise.all([child.status, lines]).then(([s]) => {
      const t = this.#stderr.lastLines();
      this.#dead = `recogniser process exited (${s.signal ?? `code ${s.code}`})${t ? `: ${t}` : ""}`;
      this.#pending?.reject(new Error(this.#dead));
      this.#pending = undefined;
      return this.#dead;
    });
  }

  /** Starts the command. */
  static start(options: JsonLinesOptions): Promise<JsonLinesProcess> {
    if (!options.command?.length) return Promise.reject(new Error("JsonLinesProcess needs a command"));
    const [cmd, ...args] = options.command;
    try {
      const child = new Deno.Command(cmd, { args, env: options.env, stdin: "piped", stdout: "piped", stderr: "piped" })
        .spawn();
      return Promise.resolve(new JsonLinesProcess(child, options.model ?? cmd.split("/").pop()!));
    } catch (err) {
      return Promise.reject(new Error(`cannot run ${cmd}: ${(err as Error).message}`));
    }
  }

  async recognize(pcm16k: Float32Array, utteranceId: string): Promise<Recognition> {
    if (this.#dead) throw new Error(this.#dead);
    if (this.#pending) throw new Error("JsonLinesProcess: one utterance at a time");
    const id = utteranceId;
    const result = new Promise<Recognition>((resolve, reject) => this.#pending = { id, resolve, reject });
    const line = JSON.stringify({
      id,
      sampleRate: ASR_SAMPLE_RATE,
      encoding: "s16le",
      audio: Buffer.from(toS16le(pcm16k)).toString("base64"),
    });
    try {
      await this.#stdin.write(new TextEncoder().encode(line + "\n"));
      return await result;
    } finally {
      this.#pending = undefined;
    }
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
    if (!p || !line.trim().startsWith("{")) return;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line);
    } catch {
      return;
    }
    if (o.id !== p.id) return;
    if (typeof o.error === "string") return p.reject(new Error(`recogniser: ${o.error}`));
    try {
      if (typeof o.text !== "string") throw new Error(`response without "text"`);
      const words = Array.isArray(o.words) ? o.words.map(parseWord) : [];
      const confidence = typeof o.confidence === "number"
        ? Math.min(1, Math.max(0, o.confidence))
        : utteranceConfidence(words);
      p.resolve({
        text: o.text.trim(),
        words,
        confidence,
        model: typeof o.model === "string" ? o.model : this.#model,
      });
    } catch (err) {
      p.reject(new Error(`bad recogniser response: ${(err as Error).message}`));
    }
  }
}
