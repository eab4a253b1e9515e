/**
 * Erasure acts across the cluster: two real instances on one Redis; a participant streams to
 * instance 2 while an operator erases them (and then the whole session) through instance 1.
 * Checked: instance 2 stops the erased stream and closes its socket, Redis holds none of their
 * events afterwards, the other participant goes on; the session's erasure closes instance 2's
 * subscriber with 4404 and leaves nothing of the session in Redis.
 */
import assert from "node:assert/strict";
import { decodeAudio } from "../media/decode.ts";
import { RedisStore } from "../store/redis_store.ts";
import { listClips } from "../testing/data.ts";
import { toPcm16 } from "../testing/ws_client.ts";
import { mintToken, StreamingParticipant } from "./cluster_clients.ts";
import { type LocalCluster, startLocalCluster } from "./local_cluster.ts";
import { hasCommand } from "./redis_server.ts";

const missing = [];
for (const cmd of ["redis-server", "haproxy"]) if (!await hasCommand(cmd)) missing.push(cmd);
if (missing.length) {
  console.warn(`cluster_erasure_test: SKIPPED — ${missing.join(" and ")} not installed`);
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function speech(actor: number): Promise<Int16Array> {
  const clips = listClips(`voice/ravdess/Actor_${String(actor).padStart(2, "0")}`).slice(0, 6);
  const parts = await Promise.all(clips.map((c) => decodeAudio(c)));
  const gap = 16000 * 0.6;
  const out = new Float32Array(parts.reduce((a, p) => a + p.length + gap, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), o += p.length + gap);
  return new Int16Array(toPcm16(out).buffer);
}

Deno.test({
  name: "cluster: a DELETE on one instance erases a participant streaming to another, then the session",
  ignore: missing.length > 0,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const adminKey = Array.from(crypto.getRandomValues(new Uint8Array(24)), (b) => b.toString(16).padStart(2, "0"))
      .join("");
    let cluster: LocalCluster | undefined;
    const participants: StreamingParticipant[] = [];
    let sub: WebSocket | undefined;
    try {
      cluster = await startLocalCluster({ instances: 2, adminKey, serveArgs: ["--disable", "face,text", "--asr", "off"] });
      const [one, two] = cluster.instances.map((i) => i.url);
      const admin = { authorization: `Bearer ${adminKey}`, "content-type": "application/json" };
      const sid = `er-${Date.now().toString(36)}`;
      assert.equal(
        (await fetch(`${one}/v1/sessions`, { method: "POST", headers: admin, body: `{"sessionId":"${sid}"}` })).status,
        201,
      );
      const view = await mintToken(one, adminKey, { sessionId: sid, role: "view" });
      const got: Record<string, any>[] = [];
      let subClose: number | undefined;
      sub = new WebSocket(`${two.replace("http", "ws")}/v1/sessions/${sid}/events?token=${view}`);
      sub.onmessage = (e) => got.push(JSON.parse(e.data));
      sub.onclose = (e) => subClose = e.code;
      await new Promise((r, j) => (sub!.onopen = r, sub!.onerror = j));
      const hello = { type: "hello", audio: { sampleRate: 16000, encoding: "pcm_s16le", channels: 1 }, consent: true };
      for (const [pid, actor] of [["ann", 1], ["bob", 2]] as const) {
        const token = await mintToken(one, adminKey, {
          sessionId: sid,
          role: "ingest",
          participantId: pid,
          consent: true,
        });
        const url = `${two.replace("http", "ws")}/v1/sessions/${sid}/participants/${pid}/ingest?token=${token}`;
        const p = new StreamingParticipant(pid, await speech(actor), url, url, hello);
        await p.start();
        participants.push(p);
      }
      const [ann, bob] = participants;
      const deadline = Date.now() + 25_000;
      while (!got.some((e) => e.type === "utterance.end" && e.participantId === "ann") && Date.now() < deadline) {
        await sleep(100);
      }
      assert.ok(got.some((e) => e.participantId === "ann" && e.type === "utterance.end"), "ann was analysed");
      const erased = await fetch(`${one}/v1/sessions/${sid}/participants/ann`, { method: "DELETE", headers: admin });
      assert.equal(erased.status, 200);
      const report = await erased.json();
      assert.ok(report.events > 0, JSON.stringify(report));
      const t0 = Date.now();
      while (ann.ready && Date.now() - t0 < 10_000) await sleep(50);
      assert.equal(ann.ready, false, "instance 2 closed the erased participant's socket");
      await sleep(300);
      assert.equal(
        ann.finalError,
        "forbidden",
        `told its data was erased (no reconnect): ${ann.closes} ${JSON.stringify(ann.errors)}`,
      );
      const closedAfterMs = Date.now() - t0;
      await sleep(1_000);
      const store = await RedisStore.open(cluster.redis.url);
      try {
        const left = await store.read(sid, 0, 10_000);
        assert.equal(left.filter((e) => e.participantId === "ann").length, 0, "none of ann's events stay in Redis");
        assert.ok(left.some((e) => e.participantId === "bob"), "bob's stay");
        assert.equal(bob.ready, true, "bob streams on");

        assert.equal((await fetch(`${one}/v1/sessions/${sid}`, { method: "DELETE", headers: admin })).status, 200);
        const t1 = Date.now();
        while (subClose === undefined && Date.now() - t1 < 10_000) await sleep(50);
        assert.equal(subClose, 4404, "instance 2's subscriber closed: session erased");
        const t2 = Date.now();
        while (bob.finalError === undefined && Date.now() - t2 < 5_000) await sleep(50);
        assert.equal(bob.finalError, "session_not_found", "bob's stream ended: session erased");
        await sleep(1_000);
        assert.equal(await store.hasSession(sid), false);
        assert.deepEqual(await store.read(sid, 0, 10), []);
      } finally {
        await store.close();
      }
      console.log(JSON.stringify({ participantSocketClosedAfterMs: closedAfterMs }));
    } finally {
      for (const p of participants) p.stop();
      sub?.close();
      await cluster?.stop();
    }
  },
});
