/**
 * Manifest items for `analyze --manifest`: JSON lines `{"id", "media"?, "text"?, "speaker"?,
 * "dialogue"?, "turn"?, "label"?}` with at least one of media and text. Parsing never throws:
 * a bad line becomes an item carrying its error, so it yields an error line, not a crash.
 */
import { dirname, isAbsolute, join } from "node:path";

/** One item to analyse as one utterance. */
export interface ManifestItem {
  id: string;
  /** Any file ffmpeg decodes (audio, video, image), resolved to a path that exists when possible. */
  media?: string;
  text?: string;
  speaker?: string;
  dialogue?: string;
  turn?: number;
  /** Reference label (for `eval`); not used by analysis. */
  label?: string;
  /** Position in the manifest (0-based). */
  index: number;
  /** Why the line cannot be analysed, if it cannot. */
  error?: string;
}

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Resolves a media path: as given (absolute or relative to the cwd), else relative to the manifest. */
export function resolveMedia(media: string, manifestPath: string): string {
  if (isAbsolute(media) || existsSync(media)) return media;
  const beside = join(dirname(manifestPath), media);
  return existsSync(beside) ? beside : media;
}

/** Parses one line; `index` is its item position. */
export function parseManifestLine(line: string, index: number, manifestPath: string): ManifestItem {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { id: `line-${index + 1}`, index, error: "line is not valid JSON" };
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    return { id: `line-${index + 1}`, index, error: "line is not a JSON object" };
  }
  const o = v as Record<string, unknown>;
  const id = typeof o.id === "string" || typeof o.id === "number" ? String(o.id) : undefined;
  if (id === undefined) return { id: `line-${index + 1}`, index, error: `missing "id"` };
  const item: ManifestItem = { id, index };
  const str = (k: string) => (typeof o[k] === "string" || typeof o[k] === "number" ? String(o[k]) : undefined);
  if (o.media !== undefined) {
    if (typeof o.media !== "string" || !o.media) return { ...item, error: `"media" must be a non-empty string` };
    item.media = resolveMedia(o.media, manifestPath);
  }
  if (o.text !== undefined) {
    if (typeof o.text !== "string") return { ...item, error: `"text" must be a string` };
    item.text = o.text;
  }
  if (item.media === undefined && item.text === undefined) return { ...item, error: `needs "media" or "text"` };
  item.speaker = str("speaker");
  item.dialogue = str("dialogue");
  item.label = str("label");
  if (o.turn !== undefined) {
    const t = Number(o.turn);
    if (!Number.isFinite(t)) return { ...item, error: `"turn" must be a number` };
    item.turn = t;
  }
  return item;
}

/** Reads a manifest file. Blank lines are skipped. Throws only if the file cannot be read. */
export async function readManifest(path: string): Promise<ManifestItem[]> {
  const text = await Deno.readTextFile(path);
  const items: ManifestItem[] = [];
  for (const line of text.split("\n")) {
    if (line.trim()) items.push(parseManifestLine(line, items.length, path));
  }
  return items;
}

/**
 * Orders items into groups that must run in sequence: each dialogue's items by turn (then
 * manifest order), and every item without a dialogue alone.
 */
export function groupByDialogue(items: ManifestItem[]): ManifestItem[][] {
  const dialogues = new Map<string, ManifestItem[]>();
  const groups: ManifestItem[][] = [];
  for (const it of items) {
    if (it.dialogue === undefined) {
      groups.push([it]);
      continue;
    }
    let g = dialogues.get(it.dialogue);
    if (!g) {
      g = [];
      dialogues.set(it.dialogue, g);
      groups.push(g);
    }
    g.push(it);
  }
  for (const g of dialogues.values()) g.sort((a, b) => (a.turn ?? Infinity) - (b.turn ?? Infinity) || a.index - b.index);
  return groups;
}
