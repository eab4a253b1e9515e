/**
 * pocketsphinx behind the JSON-lines recogniser protocol (lib/asr/jsonl_process.ts): a reference
 * implementation of the wire a plugged-in recogniser speaks, and a way to run the embedded one
 * on another machine (`ssh host deno run -A lib/asr/sphinx_jsonl_server.ts`).
 *
 *   deno run --allow-all lib/asr/sphinx_jsonl_server.ts
 */
import { Buffer } from "node:buffer";
import { readLines } from "./recognizer_process.ts";
import { SphinxProcess } from "./sphinx_process.ts";

/** Float samples of s16le bytes. */
function fromS16le(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength >> 1);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(2 * i, true) / 32768;
  return out;
}

if (import.meta.main) {
  const sphinx = await SphinxProcess.start();
  // Without its recogniser this server is useless: exit, so the pool restarts it.
  sphinx.exited.then(() => Deno.exit(1));
  const out = (o: unknown) => Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(o) + "\n"));
  let chain = Promise.resolve();
  await readLines(Deno.stdin.readable, (line) => {
    chain = chain.then(async () => {
      let id: unknown = null;
      try {
        const req = JSON.parse(line);
        id = req.id;
        if (req.sampleRate !== 16000 || req.encoding !== "s16le") throw new Error("only 16000 Hz s16le");
        const r = await sphinx.recognize(fromS16le(new Uint8Array(Buffer.from(req.audio, "base64"))), String(id));
        out({ id, ...r });
      } catch (err) {
        out({ id, error: (err as Error).message });
      }
    });
  });
  await chain;
  sphinx.kill();
}
