/**
 * Added latency per event of committing to the store before delivery: time from `publish` to
 * the event being deliverable (the publish promise resolving), per store, for isolated events
 * and for bursts over many sessions (one transaction per batch). JSON in artifacts/bench/store.json.
 *
 *   deno task bench store            (BENCH_EVENTS=2000 by default)
 */
import { EventLog } from "../lib/events/event_log.ts";
import type { EventBody } from "../lib/protocol/events.ts";
import { MemoryStore } from "../lib/store/memory_store.ts";
import { SqliteStore } from "../lib/store/sqlite_store.ts";
import type { Store } from "../lib/store/store.ts";

const EVENTS = Number(Deno.env.get("BENCH_EVENTS") ?? 2000);
const SESSIONS = 64;

/** A typical final emotion event (about 1.1 KB of JSON). */
const body = (i: number): EventBody => ({
  type: "emotion",
  participantId: "p1",
  utteranceId: `p1-${i}`,
  startMs: i * 1000,
  endMs: i * 1000 + 900,
  label: "neutral",
  probs: [0.4, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1],
  confidence: 0.4,
  uncertainty: 0.5,
  valence: 0.01,
  arousal: -0.1,
  modalities: { voice: { probs: [0.4, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], weight: 1, coverage: 1 } },
  missing: [{ modality: "face", reason: "no_face_frames" }, { modality: "text", reason: "no_text" }],
  text: "a sentence of transcript text that an utterance may carry with it, about this long",
  voiceSummary: { voicedRatio: 0.61, f0MeanHz: 181.2, f0RangeSemitones: 7.4, loudnessMean: 0.81, levelDb: -23.5 },
} as unknown as EventBody);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))] * 1000) / 1000;
}

async function isolated(make: () => Promise<Store | undefined>) {
  const store = await make();
  await store?.createSession("s");
  const log = new EventLog("s", { store });
  await log.ready;
  const lat: number[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const t = performance.now();
    await log.publish(body(i));
    lat.push(performance.now() - t);
  }
  await store?.close();
  return { p50Ms: pct(lat, 50), p99Ms: pct(lat, 99), meanMs: Math.round(lat.reduce((a, b) => a + b, 0) / lat.length * 1000) / 1000 };
}

async function burst(make: () => Promise<Store | undefined>) {
  const store = await make();
  const logs: EventLog[] = [];
  for (let s = 0; s < SESSIONS; s++) {
    await store?.createSession(`s${s}`);
    logs.push(new EventLog(`s${s}`, { store }));
  }
  await Promise.all(logs.map((l) => l.ready));
  const rounds = Math.max(1, Math.floor(EVENTS / SESSIONS));
  const lat: number[] = [];
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    // Every session publishes one event in the same tick (a busy server's worth of events).
    await Promise.all(logs.map((l, s) => l.publish(body(r * SESSIONS + s)).then(() => lat.push(performance.now() - t))));
  }
  const wall = performance.now() - t0;
  await store?.close();
  return { events: rounds * SESSIONS, p50Ms: pct(lat, 50), p99Ms: pct(lat, 99), eventsPerS: Math.round(rounds * SESSIONS / wall * 1000) };
}

const dir = await Deno.makeTempDir({ prefix: "affectstream-store-bench-" });
let k = 0;
const stores: Record<string, () => Promise<Store | undefined>> = {
  "none (in memory, synchronous)": () => Promise.resolve(undefined),
  memory: () => Promise.resolve(new MemoryStore()),
  "sqlite (synchronous=NORMAL, default)": () => Promise.resolve(new SqliteStore(`${dir}/n${++k}.db`)),
  "sqlite (synchronous=FULL)": () => Promise.resolve(new SqliteStore(`${dir}/f${++k}.db`, { synchronous: "full" })),
};
const results: Record<string, unknown> = {};
console.log(`store | isolated p50 ms | p99 ms | burst of ${SESSIONS} sessions p50 ms | p99 ms | events/s`);
for (const [name, make] of Object.entries(stores)) {
  const iso = await isolated(make);
  const b = await burst(make);
  results[name] = { isolated: iso, burst: b };
  console.log(`${name} | ${iso.p50Ms} | ${iso.p99Ms} | ${b.p50Ms} | ${b.p99Ms} | ${b.eventsPerS}`);
}
await Deno.remove(dir, { recursive: true });
await Deno.mkdir("artifacts/bench", { recursive: true });
await Deno.writeTextFile(
  "artifacts/bench/store.json",
  JSON.stringify({ date: new Date().toISOString(), events: EVENTS, sessions: SESSIONS, results }, null, 2) + "\n",
);
