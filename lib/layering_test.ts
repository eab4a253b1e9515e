/**
 * Import directions between the folders of lib/ (and from lib/ into static/). Every non-test
 * .ts file's static imports, re-exports and literal dynamic imports are read; an import from
 * folder A into folder B must be listed in ALLOWED[A]. Tests (`*_test.ts`, `testdata/`) may
 * import anything. The graph, bottom to top:
 *
 *   emotion, log
 *   modality (emotion)
 *   protocol (emotion, modality): the wire; knows no stage, no transport
 *   audio, inference, media (audio): signal plumbing, no wire
 *   voice, face, text, segment, fusion, shift, speaker, asr: stages and their models
 *   engine: loads the models, builds each participant's stages
 *   store, events, auth, cluster: storage, event history, access, multi-instance
 *   session: a participant's live stream (transport-free)
 *   transport, client: sockets and routes; the typed client
 *   cli, eval, offline, testing: commands, evaluation, offline-only code, test helpers
 *
 * Forbidden, among others: protocol → face (the face wire schema lives in lib/protocol), audio →
 * protocol (audio throws its own errors), session → media (the sample rate is lib/audio's),
 * transport → static (ids follow lib/protocol/ids.ts), and any runtime folder → offline.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const LIB = fileURLToPath(new URL(".", import.meta.url));

/** Folders (and static/) each lib/ folder may import from, besides itself. */
const ALLOWED: Record<string, readonly string[]> = {
  emotion: [],
  log: [],
  modality: ["emotion"],
  protocol: ["emotion", "modality"],
  audio: [],
  inference: [],
  media: ["audio"],
  voice: ["emotion", "inference", "modality"],
  face: ["emotion", "inference", "modality", "protocol", "static"],
  text: ["emotion", "inference", "modality"],
  segment: ["inference"],
  fusion: ["emotion", "modality", "protocol"],
  shift: ["emotion", "modality", "protocol"],
  asr: ["audio", "emotion", "engine", "modality", "protocol"],
  speaker: ["emotion", "face", "modality", "protocol", "voice"],
  engine: ["asr", "face", "inference", "modality", "protocol", "segment", "text", "voice"],
  store: ["protocol"],
  events: ["protocol", "store"],
  auth: ["log", "protocol"],
  cluster: ["auth", "engine", "events", "log", "modality", "protocol", "store", "text"],
  session: [
    "asr",
    "audio",
    "cluster",
    "engine",
    "events",
    "fusion",
    "inference",
    "log",
    "modality",
    "protocol",
    "segment",
    "shift",
    "store",
  ],
  transport: ["auth", "engine", "events", "face", "log", "protocol", "session", "store"],
  client: ["face", "protocol"],
};

/**
 * Edges present today that the graph forbids, each with its file: they are to be removed, and
 * the test fails if a new one appears or if one listed here is gone (then delete it here).
 */
const KNOWN_EXCEPTIONS: readonly string[] = [
  // The image size limits of the video socket belong in lib/protocol (bots: lib/face/server_faces_image.ts).
  "protocol/asyncapi.ts -> face",
  "protocol/asyncapi_schemas.ts -> face",
];

/** Import specifiers of a module's source: static imports, re-exports, literal dynamic imports. */
export function importSpecifiers(source: string): string[] {
  const out: string[] = [];
  const patterns = [
    /^\s*import\s+(?:type\s+)?(?:[^"';]*?\sfrom\s+)?["']([^"']+)["']/gm,
    /^\s*export\s+(?:type\s+)?(?:\*|\{[^}]*\})(?:\s+as\s+\w+)?\s+from\s+["']([^"']+)["']/gm,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) out.push(m[1]);
  return out;
}

/** The top folder under lib/ (or "static", or "root" for lib/*.ts) a specifier of `file` reaches; null for packages. */
function targetFolder(file: string, spec: string): string | null {
  if (!spec.startsWith(".") && !spec.startsWith("/")) return null; // npm:, node:, bare package names
  const abs = spec.startsWith("/")
    ? fileURLToPath(new URL(`..${spec}`, `file://${LIB}`))
    : fileURLToPath(new URL(spec, `file://${file}`));
  if (abs.startsWith(LIB)) {
    const rel = abs.slice(LIB.length);
    return rel.includes("/") ? rel.split("/")[0] : "root";
  }
  const repoRel = abs.slice(fileURLToPath(new URL("..", import.meta.url)).length);
  return repoRel.split("/")[0];
}

function* runtimeFiles(dir: string): Generator<string> {
  for (const e of Deno.readDirSync(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) {
      if (e.name !== "testdata") yield* runtimeFiles(path);
    } else if (e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) yield path;
  }
}

/** Every cross-folder edge `folder/file.ts -> target` that the graph does not allow. */
function violations(): string[] {
  const bad: string[] = [];
  for (const folder of Object.keys(ALLOWED)) {
    let files: string[];
    try {
      files = [...runtimeFiles(`${LIB}${folder}`)];
    } catch {
      continue; // folder absent
    }
    for (const file of files) {
      const targets = new Set(importSpecifiers(Deno.readTextFileSync(file)).map((s) => targetFolder(file, s)));
      for (const t of targets) {
        if (t === null || t === folder || ALLOWED[folder].includes(t)) continue;
        bad.push(`${file.slice(LIB.length)} -> ${t}`);
      }
    }
  }
  return bad.sort();
}

Deno.test("imports between lib/ folders follow the allowed graph", () => {
  const found = violations();
  const unexpected = found.filter((v) => !KNOWN_EXCEPTIONS.includes(v));
  assert.deepEqual(unexpected, [], `forbidden import directions:\n${unexpected.join("\n")}`);
  const gone = KNOWN_EXCEPTIONS.filter((v) => !found.includes(v));
  assert.deepEqual(gone, [], `fixed, remove from KNOWN_EXCEPTIONS: ${gone.join(", ")}`);
});

Deno.test("every lib/ folder with code has a place in the graph", () => {
  const folders = [...Deno.readDirSync(LIB)].filter((e) => e.isDirectory).map((e) => e.name);
  const placed = new Set([...Object.keys(ALLOWED), "cli", "eval", "offline", "testing"]);
  assert.deepEqual(folders.filter((f) => !placed.has(f)).sort(), []);
});

Deno.test("the import reader finds static, type-only, re-exported and dynamic imports", () => {
  const src = [
    `import { a } from "../face/x.ts";`,
    `import type { B } from "../protocol/y.ts";`,
    `import "./side_effect.ts";`,
    `export * from "../audio/z.ts";`,
    `export { c } from "./w.ts";`,
    `const m = await import("../media/decode.ts");`,
    `// import { no } from "../nope.ts" is only a comment when it is not at the start of a line`,
  ].join("\n");
  assert.deepEqual(importSpecifiers(src).sort(), [
    "../audio/z.ts",
    "../face/x.ts",
    "../media/decode.ts",
    "../protocol/y.ts",
    "./side_effect.ts",
    "./w.ts",
  ]);
  const file = `${LIB}session/participant.ts`;
  assert.equal(targetFolder(file, "../media/decode.ts"), "media");
  assert.equal(targetFolder(file, "../../static/app/ids.js"), "static");
  assert.equal(targetFolder(file, "npm:hono"), null);
});
