/**
 * Losing an instance mid-call: redis-server on a random loopback port, 3 real server processes
 * on the Redis store with one admin key, HAProxy in front. Participants and subscribers are
 * spread over the instances (some through HAProxy, some straight to an instance); one instance
 * is killed with SIGKILL while everyone streams. Its participants reconnect through HAProxy and
 * continue; every subscriber resumes with `since`. Checked: no subscriber lost or saw renumbered
 * an event (each one's seqs are exactly 1…last, each event identical to the one in Redis), seq
 * only rises, the killed instance's acknowledged events are all in Redis; the time to recover
 * is measured and printed.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { decodeAudio } from "../media/decode.ts";
import { RedisStore } from "../store/redis_store.ts";
import { listClips } from "../testing/data.ts";
import { toPcm16 } from "../testing/ws_client.ts";
import { mintToken, ResumingSubscriber, StreamingParticipant } from "./cluster_clients.ts";
import { type LocalCluster, startLocalCluster } from "./local_cluster.ts";
import { hasCommand } from "./redis_server.ts";

const missing = [];
for (const cmd of ["redis-server", "haproxy"]) if (!await hasCommand(cmd)) missing.push(cmd);
if (missing.length) {
  console.warn(`cluster_test: SKIPPED — ${missing.join(" and ")} not installed (apt-get install ${missing.join(" ")})`);
}

/** Claim lifetime of the instances: a killed instance's participants are free again after this. */
const CLAIM_TTL_MS = 3_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function speech(actor: number): Promise<Int16Array> {
  const clips = listClips(`voice/ravdess/Actor_${String(actor).padStart(2, "0")}`).slice(0, 6);
  const parts = await Promise.all(clips.map((c) => decodeAudio(c)));
  const gap = 16000 * 0.6; // silence between clips, so utterances close
  const out = new Float32Array(parts.reduce((a, p) => a + p.length + gap, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), o += p.length + gap);
  return new Int16Array(toPcm16(out).buffer);
}

Deno.test({
  name: "cluster: kill -9 of one instance mid-call loses no committed event and renumbers none; clients recover",
  ignore: missing.length > 0,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const adminKey = Array.from(crypto.getRandomValues(new Uint8Array(24)), (b) => b.toString(16).padStart(2, "0"))
      .join("");
    let cluster: LocalCluster | undefined;
    const subscribers: ResumingSubscriber[] = [];
    const participants: StreamingParticipant[] = [];
    try {
      cluster = await startLocalCluster({
        instances: 3,
        adminKey,
        serveArgs: ["--disable", "face,text", "--asr", "off", "--claim-ttl-ms", String(CLAIM_TTL_MS)],
        checkIntervalMs: 500,
      });
      const c = cluster;
      const front = c.url;
      const ws = (http: string) => http.replace("http", "ws");
      const sessions = [`cl-${Date.now().toString(36)}-a`, `cl-${Date.now().toString(36)}-b`];
      for (const sid of sessions) {
        const r = await fetch(`${front}/v1/sessions`, {
          method: "POST",
          headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
          body: JSON.stringify({ sessionId: sid }),
        });
        assert.equal(r.status, 201, await r.text());
      }
      // Tokens minted by one instance work on every instance (same admin key).
      const viewTokens = await Promise.all(
        sessions.map((sid) => mintToken(c.instances[0].url, adminKey, { sessionId: sid, role: "view" })),
      );
      const eventsUrl = (http: string, s: number) => (since: number) =>
        `${ws(http)}/v1/sessions/${sessions[s]}/events?since=${since}&token=${viewTokens[s]}`;
      // Subscribers: one on each instance and one through HAProxy, per session; all resume through HAProxy.
      for (let s = 0; s < sessions.length; s++) {
        for (const target of [...c.instances.map((i) => i.url), front]) {
          const sub = new ResumingSubscriber(`${sessions[s]}@${target}`, eventsUrl(target, s), eventsUrl(front, s));
          await sub.start();
          subscribers.push(sub);
        }
      }
      // Participants: per session one through HAProxy and one straight to the next instance.
      const hello = { type: "hello", audio: { sampleRate: 16000, encoding: "pcm_s16le", channels: 1 }, consent: true };
      const audio = await Promise.all([1, 2, 3, 4].map((a) => speech(a)));
      let k = 0;
      for (let s = 0; s < sessions.length; s++) {
        for (const direct of [false, true]) {
          const pid = `p${k}`;
          const token = await mintToken(c.instances[1].url, adminKey, {
            sessionId: sessions[s],
            role: "ingest",
            participantId: pid,
            consent: true,
          });
          const path = `/v1/sessions/${sessions[s]}/participants/${pid}/ingest?token=${token}`;
          const first = direct ? c.instances[(s + 1) % 3].url : front;
          const p = new StreamingParticipant(pid, audio[k], `${ws(first)}${path}`, `${ws(front)}${path}`, hello);
          await p.start();
          participants.push(p);
          k++;
        }
      }
      // Which instance serves p0 (HAProxy's choice for session a): its claim names the instance.
      const redis = new Redis(c.redis.url);
      const holder = await redis.get(`as:{${sessions[0]}}:claim:p0`);
      await redis.quit();
      assert.ok(holder, "p0 is claimed in Redis");
      const victim = c.instances.find((i) => holder!.includes(`-${i.pid}-`));
      assert.ok(victim, `claim holder ${holder} is one of the instances`);

      // Stream, then kill the instance mid-stream.
      const streamMs = 4_000;
      await sleep(streamMs);
      const beforeKill = Math.max(...subscribers.map((s) => s.lastSeq));
      assert.ok(beforeKill > 0, "events flowed before the kill");
      const killedAt = Date.now();
      await victim.kill("SIGKILL");

      // Everyone on the victim comes back through HAProxy (p0 was on it by construction).
      const cut = Date.now() + 5_000;
      while (participants[0].ready && Date.now() < cut) await sleep(20);
      assert.equal(participants[0].ready, false, "p0 lost its instance");
      const onVictim = participants.filter((p) => !p.ready);
      const deadline = Date.now() + CLAIM_TTL_MS + 15_000;
      while (participants.some((p) => !p.ready) && Date.now() < deadline) await sleep(100);
      const participantRecoverMs = Date.now() - killedAt;
      for (const p of participants) assert.ok(p.ready, `${p.participantId} reconnected (${JSON.stringify(p.errors)})`);
      await sleep(streamMs);

      // End every stream cleanly; wait until each subscriber has everything Redis holds.
      await Promise.all(participants.map((p) => p.end()));
      const store = await RedisStore.open(c.redis.url);
      try {
        for (let s = 0; s < sessions.length; s++) {
          const { oldestSeq, lastSeq } = await store.bounds(sessions[s]);
          assert.equal(oldestSeq, 1);
          const stored = await store.read(sessions[s], 0, lastSeq + 10);
          assert.deepEqual(stored.map((e) => e.seq), Array.from({ length: lastSeq }, (_, i) => i + 1), "no seq hole");
          const bySeq = new Map(stored.map((e) => [e.seq, e]));
          for (const sub of subscribers.filter((x) => x.name.startsWith(sessions[s] + "@"))) {
            await sub.waitForSeq(lastSeq, 20_000);
            assert.equal(sub.nonIncreasing, 0, `${sub.name}: seq only rises`);
            assert.deepEqual(sub.events.map((e) => e.seq), Array.from({ length: lastSeq }, (_, i) => i + 1), sub.name);
            for (const e of sub.events) {
              assert.deepEqual(JSON.parse(e.raw), bySeq.get(e.seq), `${sub.name} seq ${e.seq}`);
            }
          }
          // A participant that moved to another instance keeps utterance ids unique in the session.
          const starts = stored.filter((e) => e.type === "utterance.start").map((e) =>
            (e as { utteranceId: string }).utteranceId
          );
          assert.equal(new Set(starts).size, starts.length, `utterance ids unique: ${starts}`);
          const types = new Set<string>(stored.map((e) => e.type));
          for (const t of ["participant.joined", "utterance.end", "emotion", "participant.left"]) {
            assert.ok(types.has(t), `session ${s} has ${t}`);
          }
        }
      } finally {
        await store.close();
      }
      const resumed = subscribers.flatMap((s) => s.resumeMs);
      const victimSubs = subscribers.filter((s) => s.closes.length > 0);
      assert.ok(victimSubs.length >= 2, "the victim's subscribers were cut and resumed");
      console.log(JSON.stringify({
        victim: victim.index + 1,
        participantsMoved: onVictim.map((p) => p.participantId),
        participantRecoverMs,
        participantReconnectMs: participants.flatMap((p) => p.reconnectMs),
        subscriberReopenMs: subscribers.flatMap((s) => s.reopenMs),
        subscriberFirstEventMs: resumed,
        committedEventsLost: 0,
        events: subscribers.map((s) => s.lastSeq),
      }));
    } finally {
      for (const s of subscribers) s.stop();
      for (const p of participants) p.stop();
      await cluster?.stop();
    }
  },
});
