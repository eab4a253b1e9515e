/**
 * Durability against the real SQLite file: kill -9 of the real server process (every event a
 * subscriber saw is replayed with the same seq and content; new ones continue strictly above),
 * failing writes (the process lives, health says degraded, subscribers are told, writes resume),
 * and erasure (the erased name and transcript text are in no file under the data directory).
 */
import assert from "node:assert/strict";
import { decodeAudio } from "../media/decode.ts";
import { startServer } from "../server.ts";
import { SqliteStore } from "../store/sqlite_store.ts";
import type { EventBody, SessionEvent } from "../protocol/events.ts";
import { createSession, withToken } from "../testing/auth.ts";
import { DATA_DIR } from "../testing/data.ts";
import { TestSocket, toPcm16 } from "../testing/ws_client.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const ADMIN_KEY = "durability-test-admin-key-0123456789";

/** Starts `main.ts serve` as its own process on a free port; resolves once it prints its login URL. */
async function spawnServer(dataDir: string): Promise<{ child: Deno.ChildProcess; port: number }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "serve", "--port", "0", "--data-dir", dataDir, "--disable", "voice,face,text"],
    env: { AFFECTSTREAM_ADMIN_KEY: ADMIN_KEY },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
    const m = /affectstream dashboard: http:\/\/127\.0\.0\.1:(\d+)\/\?login=/.exec(text);
    if (m) {
      // Keep draining stderr so the child never blocks on a full pipe.
      void (async () => {
        while (!(await reader.read().catch(() => ({ done: true }))).done) { /* drain */ }
      })();
      return { child, port: Number(m[1]) };
    }
  }
  child.kill("SIGKILL");
  throw new Error(`server did not start:\n${text}`);
}

Deno.test("kill -9 mid-stream: every event a subscriber saw is replayed with the same seq and content; new ones continue above", opts, async () => {
  const dir = await Deno.makeTempDir();
  const clip = await decodeAudio(`${DATA_DIR}/voice/ravdess/Actor_02/03-01-05-02-01-01-02.flac`);
  const gap = new Float32Array(16000);
  const audio = new Float32Array((clip.length + gap.length) * 4);
  for (let i = 0; i < 4; i++) audio.set(clip, i * (clip.length + gap.length));
  const pcm = toPcm16(audio);

  const first = await spawnServer(dir);
  const server = { port: first.port, adminKey: ADMIN_KEY, issuer: undefined as never };
  await createSession(server, "crash");
  const base = `ws://127.0.0.1:${first.port}/v1/sessions/crash`;
  const sub = new TestSocket(withToken(`${base}/events`, ADMIN_KEY));
  await sub.opened;
  const ingest = new TestSocket(withToken(`${base}/participants/ann/ingest`, ADMIN_KEY));
  await ingest.opened;
  ingest.json({ type: "hello", consent: true, name: "Ann", audio: { sampleRate: 16000, encoding: "pcm_s16le", channels: 1 } });
  let sent = 0;
  // Real time until two utterances ended and a third is open, then kill -9.
  for (let i = 0; i < pcm.length; i += 640) {
    ingest.send(pcm.subarray(i, i + 640));
    sent++;
    if (sent % 10 === 0) await new Promise((r) => setTimeout(r, 200));
    const ends = sub.ofType("utterance.end").length;
    const starts = sub.ofType("utterance.start").length;
    if (ends >= 2 && starts > ends) break;
  }
  first.child.kill("SIGKILL");
  await first.child.status;
  await sub.closed.catch(() => {});
  const seen = sub.messages.filter((m) => typeof m.seq === "number") as unknown as SessionEvent[];
  assert.ok(seen.length >= 5, `saw ${seen.length} events before the kill`);
  assert.ok(sub.ofType("utterance.end").length >= 2);

  const second = await spawnServer(dir);
  try {
    const replay = new TestSocket(withToken(`ws://127.0.0.1:${second.port}/v1/sessions/crash/events?since=0`, ADMIN_KEY));
    await replay.waitFor((m) => m.filter((x) => typeof x.seq === "number").length >= seen.length, 20_000);
    const replayed = replay.messages.filter((m) => typeof m.seq === "number") as unknown as SessionEvent[];
    assert.deepEqual(replayed.slice(0, seen.length), seen, "seen events replayed with identical seq and content");
    // The utterance open at the kill is closed as interrupted, above every seq seen.
    await replay.waitFor((m) => m.some((x) => x.type === "utterance.end" && x.reason === "interrupted"), 10_000);
    const p = new TestSocket(withToken(`ws://127.0.0.1:${second.port}/v1/sessions/crash/participants/bob/ingest`, ADMIN_KEY));
    await p.opened;
    p.json({ type: "hello", consent: true });
    await replay.waitFor((m) => m.some((x) => x.type === "participant.joined" && x.participantId === "bob"));
    const lastSeen = seen.at(-1)!.seq;
    const fresh = (replay.messages as unknown as SessionEvent[]).filter((e) => typeof e.seq === "number").slice(seen.length);
    assert.ok(fresh.length >= 2);
    for (const e of fresh) assert.ok(e.seq > lastSeen, `new seq ${e.seq} above ${lastSeen}`);
    const seqs = (replay.messages as unknown as SessionEvent[]).filter((e) => typeof e.seq === "number").map((e) => e.seq);
    assert.equal(new Set(seqs).size, seqs.length, "no seq reused");
    p.close();
    replay.close();
  } finally {
    second.child.kill("SIGKILL");
    await second.child.status;
  }
});

/** A SQLite store whose writes fail while `failing` is set (as a full disk or a locked file would). */
class FailingWrites extends SqliteStore {
  failing = false;
  override append(sessionId: string, bodies: EventBody[]): Promise<SessionEvent[]> {
    if (this.failing) return Promise.reject(new Error("SQLITE_FULL: database or disk is full"));
    return super.append(sessionId, bodies);
  }
}

Deno.test("failing writes: the process lives, health is degraded, subscribers get store_degraded, and the backlog is written when the store recovers", opts, async () => {
  const dir = await Deno.makeTempDir();
  const store = new FailingWrites(`${dir}/affectstream.db`);
  const server = await startServer({
    port: 0,
    store,
    engine: { disable: ["voice", "face", "text"] },
    sessions: { session: { storeRetryMs: 100 } },
  });
  try {
    const http = `http://127.0.0.1:${server.port}`;
    const base = `ws://127.0.0.1:${server.port}/v1/sessions/flaky`;
    await createSession(server, "flaky");
    const sub = new TestSocket(withToken(`${base}/events`, server.adminKey));
    await sub.opened;
    const a = new TestSocket(withToken(`${base}/participants/ann/ingest`, server.adminKey));
    await a.opened;
    a.json({ type: "hello", consent: true });
    await sub.waitFor((m) => m.some((x) => x.type === "participant.joined"));
    store.failing = true;
    const b = new TestSocket(withToken(`${base}/participants/bob/ingest`, server.adminKey));
    await b.opened;
    b.json({ type: "hello", consent: true });
    await sub.waitFor((m) => m.some((x) => x.type === "participant.joined" && x.participantId === "bob"));
    await sub.waitFor((m) => m.some((x) => x.code === "store_degraded"));
    assert.equal(sub.ofType("error").filter((e) => e.code === "store_degraded").length, 1);
    const health = await (await fetch(`${http}/v1/health`)).json();
    assert.equal(health.status, "degraded");
    assert.equal(health.store.status, "degraded");
    assert.ok(health.store.pendingWrites >= 2);
    b.json({ type: "end" });
    await b.closed;
    await sub.waitFor((m) => m.some((x) => x.type === "participant.left" && x.participantId === "bob"));
    const seqs = sub.messages.map((m) => m.seq as number);
    for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], "seq continues in memory");
    store.failing = false;
    for (let i = 0; i < 100; i++) {
      if ((await (await fetch(`${http}/v1/health`)).json()).status === "ok") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal((await (await fetch(`${http}/v1/health`)).json()).status, "ok");
    const stored = await store.read("flaky", 0, 100);
    assert.deepEqual(stored.map((e) => e.seq), seqs, "the backlog went to the store in order, with the seq subscribers saw");
    assert.deepEqual(stored.map((e) => e.type), sub.messages.map((m) => m.type));
    a.close();
    sub.close();
  } finally {
    await server.shutdown();
    server.engine.close();
  }
});

/** Every file under `dir` (recursively), as latin-1 text, so any byte sequence can be searched. */
async function filesUnder(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) for (const [k, v] of await filesUnder(p)) out.set(k, v);
    else if (e.isFile) out.set(p, new TextDecoder("latin1").decode(await Deno.readFile(p)));
  }
  return out;
}

Deno.test("after DELETE returns, the erased name and transcript text are in no file under the data dir", opts, async () => {
  const dir = await Deno.makeTempDir();
  const server = await startServer({ port: 0, dataDir: dir, engine: { disable: ["voice", "face"] } });
  const NAME = "Zenobia Quarterfield";
  const TEXT = "my account number is 12345 quokka";
  try {
    const base = `ws://127.0.0.1:${server.port}/v1/sessions/erase`;
    const http = `http://127.0.0.1:${server.port}`;
    const sub = new TestSocket(withToken(`${base}/events`, server.adminKey));
    const p = new TestSocket(withToken(`${base}/participants/zq/ingest`, server.adminKey));
    await p.opened;
    p.json({ type: "hello", consent: true, name: NAME });
    for (let i = 0; i < 5; i++) {
      p.json({ type: "transcript", final: true, text: `${TEXT} ${i}`, startMs: i * 2000, endMs: i * 2000 + 1500 });
    }
    const other = new TestSocket(withToken(`${base}/participants/kept/ingest`, server.adminKey));
    await other.opened;
    other.json({ type: "hello", consent: true, name: "Kept Person" });
    other.json({ type: "transcript", final: true, text: "nothing to hide here", startMs: 0, endMs: 1000 });
    p.json({ type: "end" });
    await p.closed;
    await sub.closed.catch(() => {});
    for (let i = 0; i < 100; i++) {
      const files = await filesUnder(dir);
      if ([...files.values()].some((t) => t.includes(TEXT))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const before = await filesUnder(dir);
    assert.ok([...before.values()].some((t) => t.includes(NAME)), "the name was stored");
    assert.ok([...before.values()].some((t) => t.includes(TEXT)), "the text was stored");
    const res = await fetch(`${http}/v1/sessions/erase/participants/zq`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${server.adminKey}` },
    });
    assert.equal(res.status, 200);
    const report = await res.json();
    assert.ok(report.events >= 5 && report.participants === 1, JSON.stringify(report));
    for (const [path, text] of await filesUnder(dir)) {
      assert.equal(text.includes(NAME), false, `${path} holds the erased name`);
      assert.equal(text.includes("12345 quokka"), false, `${path} holds the erased text`);
    }
    const after = await filesUnder(dir);
    assert.ok([...after.values()].some((t) => t.includes("Kept Person")), "the other participant is kept");
    other.close();
  } finally {
    await server.shutdown();
    server.engine.close();
  }
});
