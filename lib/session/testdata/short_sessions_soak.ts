/**
 * Soak script: N short sessions come and go (join, 1 s of audio, a transcript, end) through a
 * SessionRegistry with the real Silero VAD; prints one JSON line per `every` sessions with the
 * heap (after a full GC) and RSS, and the sessions still held. Run with --v8-flags=--expose-gc:
 *
 *   deno run -A --v8-flags=--expose-gc lib/session/testdata/short_sessions_soak.ts [N=400] [every=100]
 */
import { SileroVad } from "../../segment/silero_vad.ts";
import { SessionRegistry } from "../session_registry.ts";

const n = Number(Deno.args[0] ?? 400);
const every = Number(Deno.args[1] ?? 100);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");
const vad = await SileroVad.load();
const registry = new SessionRegistry(vad, {}, { idleMs: 1000, session: { participant: { offline: true } } });
const tone = Float32Array.from({ length: 16000 }, (_, i) => Math.sin(i / 7) * 0.2);
for (let i = 0; i < n; i++) {
  const { session } = await registry.create(`short-${i}`);
  const p = session.join(`p${i}`, { consent: true });
  p.hello({ type: "hello", consent: true, audio: { sampleRate: 16000, encoding: "f32le", channels: 1 } });
  p.audio(new Uint8Array(tone.slice().buffer));
  p.transcript({ type: "transcript", final: true, text: "short call", startMs: 100, endMs: 900 });
  await p.end();
  while (session.events.pendingWrites > 0) await new Promise((r) => setTimeout(r, 1));
  registry.sweep(Date.now() + 60_000);
  if ((i + 1) % every === 0) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
    gc();
    const m = Deno.memoryUsage();
    console.log(
      JSON.stringify({
        sessions: i + 1,
        held: registry.sessions.size,
        heapMb: m.heapUsed / 2 ** 20,
        rssMb: m.rss / 2 ** 20,
      }),
    );
  }
}
registry.close();
vad.close();
