/** Reading one corpus file, with a typed error naming the file when it is missing. */
import { CorpusFormatError } from "../../text/errors.ts";

/** Reads a UTF-8 corpus file or throws {@linkcode CorpusFormatError}. */
export async function readCorpusFile(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    throw new CorpusFormatError(`cannot read corpus file ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Throws {@linkcode CorpusFormatError} when a record lacks one of the named columns. */
export function requireColumns(path: string, record: Record<string, string> | undefined, columns: string[]): void {
  if (!record) throw new CorpusFormatError(`${path}: no rows`);
  const missing = columns.filter((c) => !(c in record));
  if (missing.length) throw new CorpusFormatError(`${path}: missing column(s) ${missing.join(", ")}`);
}
