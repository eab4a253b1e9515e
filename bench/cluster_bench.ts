/**
 * Cluster benchmark: the same real-time load (N participants streaming real speech, RAVDESS
 * clips, 20 ms PCM messages; one subscriber per session) through
 *   embedded — one instance on its embedded SQLite store, connected directly;
 *   redis×1   — one instance on the Redis store, connected directly (the Redis path's overhead);
 *   redis×2, redis×3 — 2 and 3 instances on one Redis behind HAProxy (all on this machine).
 * Reports per configuration: CPU per participant (sum over the instances; Redis and HAProxy
 * apart), events per second, and the latency from the message carrying the last frame of an
 * utterance's closing silence to its `emotion` at the subscriber (p50/p99). Then the append
 * rate one Redis sustains (RedisStore.append of single emotion-sized events from many sessions
 * at once) with the Redis process's CPU, so the rate per Redis core follows.
 *
 *   deno task bench cluster                         (N=12, 20 s per configuration, 10 s Redis)
 *   BENCH_N=24 BENCH_SECONDS=30 BENCH_CONFIGS=embedded,redis1,redis2,redis3 deno task bench cluster
 *
 * All instances share this machine's cores, so 2 and 3 instances show the cost of the
 * cluster path, not more capacity. Writes artifacts/bench/cluster.json.
 */
import { startLocalCluster } from "../lib/cluster/local_cluster.ts";
import { startRedisServer } from "../lib/cluster/redis_server.ts";
import { mintToken } from "../lib/cluster/cluster_clients.ts";
import { decodeAudio } from "../lib/media/decode.ts";
import { resolveSegmenterOptions } from "../lib/segment/vad_segmenter.ts";
import { RedisStore } from "../lib/store/redis_store.ts";
import { DATA_DIR, listClips } from "../lib/testing/data.ts";
import { toPcm16 } from "../lib/testing/ws_client.ts";

const N = Number(Deno.env.get("BENCH_N") ?? 12);
const SECONDS = Number(Deno.env.get("BENCH_SECONDS") ?? 20);
const REDIS_SECONDS = Number(Deno.env.get("BENCH_REDIS_SECONDS") ?? 10);
const CONFIGS = (Deno.env.get("BENCH_CONFIGS") ?? "embedded,redis1,redis2,redis3").split(",").filter(Boolean);
const WARMUP_MS = 3000;
const PER_SESSION = 4;
const FRAME = 320;
const seg = resolveSegmenterOptions();
const CLOSE_DELAY_MS = Math.ceil(seg.minSilenceMs / seg.frameMs) * seg.frameMs - seg.postRollMs;
const ADMIN_KEY = Array.from(crypto.getRandomValues(new Uint8Array(24)), (b) => b.toString(16).padStart(2, "0")).join(
  "",
);

function procCpuMs(pid: number): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
    return (Number(stat[11]) + Number(stat[12])) * 10; // utime + stime, USER_HZ = 100
  } catch {
    return 0;
  }
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))];
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function speakerAudio(actor: number, seconds: number): Promise<Int16Array> {
  const parts: Float32Array[] = [];
  let total = 0;
  for (const path of listClips(`voice/ravdess/Actor_${String(actor).padStart(2, "0")}`)) {
    const s = await decodeAudio(path);
    parts.push(s);
    total += s.length;
    if (total >= seconds * 16000) break;
  }
  const out = new Float32Array(total);
  let o = 0;
  for (const p of parts) (out.set(p, o), o += p.length);
  return new Int16Array(toPcm16(out).buffer);
}

interface LoadResult {
  config: string;
  instances: number;
  participants: number;
  seconds: number;
  instanceCpuPct: number;
  cpuPerParticipantPct: number;
  redisCpuPct: number;
  haproxyCpuPct: number;
  eventsPerS: number;
  emotions: number;
  p50EmotionMs: number;
  p99EmotionMs: number;
  clientMaxLagMs: number;
  errors: Record<string, number>;
}

async function runLoad(config: string, audio: Int16Array[]): Promise<LoadResult> {
  const embedded = config === "embedded";
  const instances = embedded ? 1 : Number(config.replace("redis", ""));
  const cluster = await startLocalCluster({
    instances,
    adminKey: ADMIN_KEY,
    embedded,
    serveArgs: ["--disable", "face,text", "--asr", "off"],
  });
  try {
    // One instance: straight to it (the store's cost alone); more: through HAProxy.
    const http = instances === 1 ? cluster.instances[0].url : cluster.url;
    const ws = http.replace("http", "ws");
    const run = `b${config}-${Date.now().toString(36)}`;
    const sends: { mediaMs: number; wall: number }[][] = Array.from({ length: N }, () => []);
    const endTrigger = new Map<string, number>();
    const latencies: number[] = [];
    const errors: Record<string, number> = {};
    let events = 0;
    let counting = false;
    const subs: WebSocket[] = [];
    for (let s = 0; s < Math.ceil(N / PER_SESSION); s++) {
      const sid = `${run}-${s}`;
      const token = await mintToken(http, ADMIN_KEY, { sessionId: sid, role: "view" });
      // Create the session first (its events socket answers 4404 otherwise).
      await fetch(`${http}/v1/sessions`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ sessionId: sid }),
      }).then((r) => r.body?.cancel());
      const sock = new WebSocket(`${ws}/v1/sessions/${sid}/events?token=${token}`);
      sock.onmessage = (e) => {
        const ev = JSON.parse(e.data);
        if (typeof ev.seq === "number" && ev.seq > 0 && counting) events++;
        if (ev.type === "error") errors[ev.code] = (errors[ev.code] ?? 0) + 1;
        const i = Number(String(ev.participantId).slice(1));
        if (ev.type === "utterance.end" && ev.reason === "silence") {
          endTrigger.set(ev.utteranceId, ev.endMs + CLOSE_DELAY_MS);
        } else if (ev.type === "emotion" && endTrigger.has(ev.utteranceId)) {
          const trigger = endTrigger.get(ev.utteranceId)!;
          const sent = sends[i]?.find((x) => x.mediaMs >= trigger);
          if (sent && sent.wall - sends[i][0].wall > WARMUP_MS) latencies.push(performance.now() - sent.wall);
        }
      };
      await new Promise((r, j) => (sock.onopen = r, sock.onerror = j));
      subs.push(sock);
    }
    const socks: WebSocket[] = [];
    for (let i = 0; i < N; i++) {
      const sid = `${run}-${Math.floor(i / PER_SESSION)}`;
      const token = await mintToken(http, ADMIN_KEY, {
        sessionId: sid,
        role: "ingest",
        participantId: `p${i}`,
        consent: true,
      });
      const sock = new WebSocket(`${ws}/v1/sessions/${sid}/participants/p${i}/ingest?token=${token}`);
      sock.onmessage = (e) => {
        const m = JSON.parse(e.data);
        if (m.type === "error") errors[m.code] = (errors[m.code] ?? 0) + 1;
      };
      await new Promise((r, j) => (sock.onopen = r, sock.onerror = j));
      sock.send(JSON.stringify({ type: "hello", audio: { sampleRate: 16000, encoding: "pcm_s16le", channels: 1 } }));
      socks.push(sock);
    }
    const pids = cluster.instances.map((i) => i.pid);
    const cpu = () => ({
      inst: pids.reduce((a, p) => a + procCpuMs(p), 0),
      redis: procCpuMs(cluster.redis.pid),
      haproxy: procCpuMs(cluster.haproxyPid),
    });
    const t0 = performance.now();
    let c0 = cpu();
    let tc = t0;
    const frames = Math.floor(SECONDS * 1000 / 20);
    let maxLag = 0;
    for (let f = 0; f < frames; f++) {
      const due = t0 + f * 20;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (!counting && performance.now() - t0 > WARMUP_MS) {
        counting = true;
        c0 = cpu();
        tc = performance.now();
      }
      maxLag = Math.max(maxLag, performance.now() - due);
      for (let i = 0; i < N; i++) {
        const a = audio[i % audio.length];
        const off = ((f + i * 7) * FRAME) % (a.length - FRAME);
        socks[i].send(a.subarray(off, off + FRAME));
        sends[i].push({ mediaMs: (f + 1) * 20, wall: performance.now() });
      }
    }
    const c1 = cpu();
    const wallMs = performance.now() - tc;
    await new Promise((r) => setTimeout(r, 1500));
    for (const s of [...socks, ...subs]) s.close();
    return {
      config,
      instances,
      participants: N,
      seconds: SECONDS,
      instanceCpuPct: round((c1.inst - c0.inst) / wallMs * 100),
      cpuPerParticipantPct: round((c1.inst - c0.inst) / wallMs / N * 100, 2),
      redisCpuPct: embedded ? 0 : round((c1.redis - c0.redis) / wallMs * 100),
      haproxyCpuPct: instances === 1 ? 0 : round((c1.haproxy - c0.haproxy) / wallMs * 100),
      eventsPerS: round(events / (wallMs / 1000)),
      emotions: latencies.length,
      p50EmotionMs: round(pct(latencies, 50)),
      p99EmotionMs: round(pct(latencies, 99)),
      clientMaxLagMs: Math.round(maxLag),
      errors,
    };
  } finally {
    await cluster.stop();
  }
}

/** Appends from many sessions at once for `seconds`; events/s and Redis CPU. */
async function redisAppendRate(seconds: number) {
  const redis = await startRedisServer();
  const store = await RedisStore.open(redis.url);
  try {
    const sessions = 64;
    const body = {
      type: "emotion",
      participantId: "p0",
      utteranceId: "p0.c1-12",
      startMs: 12_340,
      endMs: 14_560,
      label: "neutral",
      probs: [0.41, 0.12, 0.09, 0.08, 0.1, 0.11, 0.09],
      confidence: 0.41,
      uncertainty: 0.52,
      valence: 0.03,
      arousal: -0.12,
      modalities: {
        voice: {
          probs: [0.41, 0.12, 0.09, 0.08, 0.1, 0.11, 0.09],
          label: "neutral",
          confidence: 0.41,
          uncertainty: 0.52,
          valence: 0.03,
          arousal: -0.12,
          coverage: 1,
          weight: 1,
          model: "voice_emotion@3",
        },
      },
      missing: [{ modality: "face", reason: "no_face" }, { modality: "text", reason: "no_text" }],
    } as never;
    const sids = Array.from({ length: sessions }, (_, i) => `rate-${i}`);
    await Promise.all(sids.map((s) => store.createSession(s)));
    let n = 0;
    const cpu0 = procCpuMs(redis.pid);
    const client0 = procCpuMs(Deno.pid);
    const t0 = performance.now();
    const deadline = t0 + seconds * 1000;
    await Promise.all(sids.map(async (s) => {
      while (performance.now() < deadline) {
        await store.append(s, [body]);
        n++;
      }
    }));
    const wallMs = performance.now() - t0;
    const redisCpu = (procCpuMs(redis.pid) - cpu0) / wallMs;
    const clientCpuMs = procCpuMs(Deno.pid) - client0;
    // Reading back: what a subscriber's XRANGE costs Redis per event (batches of 200, as the events socket reads).
    const r0 = procCpuMs(redis.pid), tr = performance.now();
    let readN = 0;
    for (const s of sids) {
      for (let since = 0;;) {
        const batch = await store.read(s, since, 200);
        if (!batch.length) break;
        readN += batch.length;
        since = batch[batch.length - 1].seq;
      }
    }
    const readCpuMs = procCpuMs(redis.pid) - r0, readWallMs = performance.now() - tr;
    // Memory per held event (listpack-encoded stream entries).
    const probe = "mem-probe";
    await store.createSession(probe);
    for (let i = 0; i < 10; i++) await store.append(probe, Array.from({ length: 1000 }, () => body));
    const { Redis } = await import("ioredis");
    const raw = new Redis(redis.url);
    const bytes = Number(await raw.call("MEMORY", "USAGE", `as:{${probe}}:events`, "SAMPLES", "0"));
    await raw.quit();
    return {
      sessions,
      eventBytes: JSON.stringify(body).length,
      eventsPerS: Math.round(n / (wallMs / 1000)),
      redisCpuPct: round(redisCpu * 100),
      eventsPerRedisCoreS: Math.round(n / (wallMs / 1000) / Math.max(redisCpu, 0.01)),
      clientCpuUsPerAppend: round(clientCpuMs * 1000 / n, 1),
      readEventsPerS: Math.round(readN / (readWallMs / 1000)),
      readEventsPerRedisCoreS: Math.round(readN / Math.max(readCpuMs / 1000, 0.01)),
      redisBytesPerEvent: Math.round(bytes / 10_000),
    };
  } finally {
    await store.close();
    await redis.stop(true);
  }
}

const loadAvg = Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
const audio: Int16Array[] = [];
for (let a = 1; a <= Math.min(N, 18); a++) audio.push(await speakerAudio(a, 40));
const results: LoadResult[] = [];
for (const c of CONFIGS) {
  const r = await runLoad(c, audio);
  results.push(r);
  console.log(JSON.stringify(r));
}
const rate = await redisAppendRate(REDIS_SECONDS);
console.log(JSON.stringify({ redisAppend: rate }));

console.log(
  "\nconfig    | inst. CPU | CPU/participant | Redis CPU | HAProxy CPU | events/s | emotions | p50 ms | p99 ms | errors",
);
for (const r of results) {
  console.log(
    `${r.config.padEnd(9)} | ${String(r.instanceCpuPct).padStart(8)}% | ${
      String(r.cpuPerParticipantPct).padStart(14)
    }% | ` +
      `${String(r.redisCpuPct).padStart(8)}% | ${String(r.haproxyCpuPct).padStart(10)}% | ${
        String(r.eventsPerS).padStart(8)
      } | ` +
      `${String(r.emotions).padStart(8)} | ${String(r.p50EmotionMs).padStart(6)} | ${
        String(r.p99EmotionMs).padStart(6)
      } | ` +
      JSON.stringify(r.errors),
  );
}
console.log(
  `Redis append: ${rate.eventsPerS} events/s from ${rate.sessions} sessions at ${rate.redisCpuPct}% of a core ` +
    `→ ${rate.eventsPerRedisCoreS} events per Redis core-second (${rate.eventBytes} B events; client ${rate.clientCpuUsPerAppend} µs CPU ` +
    `per append); reads ${rate.readEventsPerS} events/s, ${rate.readEventsPerRedisCoreS} per Redis core-second; ` +
    `${rate.redisBytesPerEvent} B of Redis memory per held event`,
);
console.log(`load average at start: ${loadAvg} (${navigator.hardwareConcurrency} cores; data: ${DATA_DIR})`);
await Deno.mkdir("artifacts/bench", { recursive: true });
await Deno.writeTextFile(
  "artifacts/bench/cluster.json",
  JSON.stringify({ results, redisAppend: rate, loadAvg, date: new Date().toISOString() }, null, 2),
);
