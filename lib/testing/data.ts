/** Where tests find ../shared/data, and helpers to list real clips deterministically. */
import { fileURLToPath } from "node:url";

/** The shared data folder: $AFFECTSTREAM_DATA, else ../shared/data beside the repo. */
export const DATA_DIR = Deno.env.get("AFFECTSTREAM_DATA") ??
  fileURLToPath(new URL("../../../shared/data", import.meta.url));

/** Sorted paths of the files in a folder under DATA_DIR whose names end with `ext`. */
export function listClips(subdir: string, ext = ".flac"): string[] {
  const dir = `${DATA_DIR}/${subdir}`;
  return [...Deno.readDirSync(dir)].filter((e) => e.isFile && e.name.endsWith(ext)).map((e) => `${dir}/${e.name}`)
    .sort();
}

/** Every `step`-th element, for a spread sample of a sorted list. */
export function every<T>(items: T[], step: number, limit = Infinity): T[] {
  return items.filter((_, i) => i % step === 0).slice(0, limit);
}
