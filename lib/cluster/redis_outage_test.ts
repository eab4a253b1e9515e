/**
 * Redis going away under a live call: one real server process on the Redis store (AOF on, as
 * `deno task cluster` runs it), a participant streaming and a subscriber. Redis is killed with
 * SIGKILL, then restarted on the same port and folder. Checked: the participant's socket stays
 * open and analysis goes on (events keep reaching the subscriber), `/v1/health` says degraded
 * with the store's error while Redis is away and ok once it is back, subscribers are told with
 * a typed `store_degraded` error, and the events of the outage are written to Redis afterwards.
 */
import assert from "node:assert/strict";
import { decodeAudio } from "../media/decode.ts";
import { RedisStore } from "../store/redis_store.ts";
import { listClips } from "../testing/data.ts";
import { toPcm16 } from "../testing/ws_client.ts";
import { mintToken, StreamingParticipant } from "./cluster_clients.ts";
import { type LocalCluster, startLocalCluster } from "./local_cluster.ts";
import { hasCommand, type RedisServer, startRedisServer } from "./redis_server.ts";

const missing = [];
for (const cmd of ["redis-server", "haproxy"]) if (!await hasCommand(cmd)) missing.push(cmd);
if (missing.length) {
  console.warn(
    `redis_outage_test: SKIPPED — ${missing.join(" and ")} not installed (apt-get install ${missing.join(" ")})`,
  );
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let extra = () => "";
async function until(pred: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<number> {
  const t0 = Date.now();
  while (!await pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what} ${extra()}`);
    await sleep(100);
  }
  return Date.now() - t0;
}

Deno.test({
  name: "cluster: Redis killed mid-call — the instance keeps analysing, reports degraded, recovers when Redis returns",
  ignore: missing.length > 0,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const adminKey = Array.from(crypto.getRandomValues(new Uint8Array(24)), (b) => b.toString(16).padStart(2, "0"))
      .join("");
    let cluster: LocalCluster | undefined;
    let participant: StreamingParticipant | undefined;
    let sub: WebSocket | undefined;
    let restarted: RedisServer | undefined;
    try {
      cluster = await startLocalCluster({
        instances: 1,
        adminKey,
        redisAppendOnly: true,
        serveArgs: ["--disable", "face,text", "--asr", "off"],
      });
      const http = cluster.instances[0].url;
      const health = async () => (await (await fetch(`${http}/v1/health`)).json()) as Record<string, any>;
      assert.equal((await health()).store.engine, "redis");
      const sid = `outage-${Date.now().toString(36)}`;
      const created = await fetch(`${http}/v1/sessions`, {
        method: "POST",
        headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
        body: JSON.stringify({ sessionId: sid }),
      });
      assert.equal(created.status, 201);
      const view = await mintToken(http, adminKey, { sessionId: sid, role: "view" });
      const got: Record<string, any>[] = [];
      sub = new WebSocket(`${http.replace("http", "ws")}/v1/sessions/${sid}/events?token=${view}`);
      sub.onmessage = (e) => got.push(JSON.parse(e.data));
      extra = () =>
        JSON.stringify({
          got: got.map((e) => e.type),
          errors: participant?.errors,
          lines: cluster?.instances[0].lines.slice(-6),
        });
      await new Promise((r, j) => (sub!.onopen = r, sub!.onerror = j));
      const clips = listClips("voice/ravdess/Actor_05").slice(0, 8);
      const parts = await Promise.all(clips.map((c) => decodeAudio(c)));
      const gap = 16000 * 0.6;
      const audio = new Float32Array(parts.reduce((a, p) => a + p.length + gap, 0));
      let o = 0;
      for (const p of parts) (audio.set(p, o), o += p.length + gap);
      const ingest = await mintToken(http, adminKey, {
        sessionId: sid,
        role: "ingest",
        participantId: "ann",
        consent: true,
      });
      const url = `${http.replace("http", "ws")}/v1/sessions/${sid}/participants/ann/ingest?token=${ingest}`;
      participant = new StreamingParticipant("ann", new Int16Array(toPcm16(audio).buffer), url, url, {
        type: "hello",
        audio: { sampleRate: 16000, encoding: "pcm_s16le", channels: 1 },
        consent: true,
      });
      await participant.start();
      await until(() => got.some((e) => e.type === "utterance.end"), 20_000, "a first utterance");

      // Redis dies.
      const port = cluster.redis.port;
      await cluster.redis.stop(true, true);
      const degradedAfterMs = await until(
        async () => (await health()).status === "degraded",
        10_000,
        "degraded health",
      );
      const h = await health();
      assert.equal(h.store.status, "degraded");
      assert.ok(typeof h.store.error === "string" && h.store.error.length > 0, "the store's error is reported");
      const before = got.filter((e) => e.type === "utterance.end").length;
      await until(
        () => got.filter((e) => e.type === "utterance.end").length > before,
        20_000,
        "analysis during the outage",
      );
      assert.ok(got.some((e) => e.type === "error" && e.code === "store_degraded"), "subscribers told: store_degraded");
      assert.equal(participant.ready, true, "the participant's socket stayed open");
      assert.equal(cluster.instances[0].running, true, "the instance lives");

      // Redis returns (same port and AOF folder).
      restarted = await startRedisServer({ port, appendOnly: true, dir: cluster.redis.dir });
      const recoveredAfterMs = await until(async () => (await health()).status === "ok", 20_000, "ok health");
      const lastSeen = Math.max(...got.map((e) => (typeof e.seq === "number" ? e.seq : 0)));
      const store = await RedisStore.open(restarted.url);
      try {
        await until(async () => (await store.bounds(sid)).lastSeq >= lastSeen, 10_000, "the outage's events in Redis");
        const stored = await store.read(sid, 0, 10_000);
        const storedTypes = new Set(stored.map((e) => e.type as string));
        assert.ok(storedTypes.has("utterance.end") && storedTypes.has("error"), "backlog written after the outage");
      } finally {
        await store.close();
      }
      console.log(
        JSON.stringify({ degradedAfterMs, recoveredAfterMs, participantReconnects: participant.reconnectMs }),
      );
    } finally {
      participant?.stop();
      sub?.close();
      await cluster?.stop();
      await restarted?.stop(true);
    }
  },
});
