/**
 * One recogniser running as a child process, asked one utterance at a time. The pool
 * ({@linkcode RecognizerPool}) owns scheduling, timeouts and restarts; a process only speaks its
 * wire format and reports when it dies.
 */
import type { Recognition } from "./recognizer.ts";

/** A started recogniser process. */
export interface RecognizerProcess {
  /** Recognises one utterance; never called again before the previous call settled. */
  recognize(pcm16k: Float32Array, utteranceId: string): Promise<Recognition>;
  /** Settles with a reason once the process has ended (crash, kill or exit). */
  readonly exited: Promise<string>;
  /** Ends the process at once (SIGKILL); pending work rejects. */
  kill(): void;
}

/** Creates a recogniser process; rejects when it cannot be started. */
export type SpawnRecognizer = () => Promise<RecognizerProcess>;

/** Keeps the last `max` characters written to it (a child's stderr, for error messages). */
export class TailBuffer {
  #text = "";
  constructor(readonly max = 2000) {}
  push(s: string): void {
    this.#text = (this.#text + s).slice(-this.max);
  }
  /** The last non-empty lines, joined. */
  lastLines(n = 3): string {
    return this.#text.trim().split("\n").slice(-n).join(" | ");
  }
}

/**
 * Calls `onLine` for every line of a byte stream (UTF-8, "\n"-separated, "\r" stripped);
 * resolves when the stream ends. Lines longer than `maxLineChars` end the read with an error,
 * so a misbehaving process cannot grow memory without bound.
 */
export async function readLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
  maxLineChars = 4 * 1024 * 1024,
): Promise<void> {
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of stream) {
    buf += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      onLine(buf.slice(0, nl).replace(/\r$/, ""));
      buf = buf.slice(nl + 1);
    }
    if (buf.length > maxLineChars) throw new Error(`line longer than ${maxLineChars} characters`);
  }
  buf += decoder.decode();
  if (buf) onLine(buf.replace(/\r$/, ""));
}

/** Drains a byte stream into a tail buffer (errors ignored: the process is dying anyway). */
export async function drainInto(stream: ReadableStream<Uint8Array>, tail: TailBuffer): Promise<void> {
  const decoder = new TextDecoder();
  try {
    for await (const chunk of stream) tail.push(decoder.decode(chunk, { stream: true }));
  } catch {
    // stream closed under us
  }
}
