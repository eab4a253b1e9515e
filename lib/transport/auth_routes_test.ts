/**
 * The access rules over real sockets, with the exact status and close codes: tokens and scopes,
 * login, Origin and Host, security headers, the static whitelist, sessions that do not exist,
 * consent and its withdrawal, viewers, export, erasure, timeouts and message limits.
 */
import assert from "node:assert/strict";
import { startServer } from "../server.ts";
import { createSession, ingestToken, mintToken, rawRequest, WS_HEADERS, withToken } from "../testing/auth.ts";
import { TestSocket } from "../testing/ws_client.ts";

const server = await startServer({
  port: 0,
  engine: { disable: ["voice", "face", "text"] },
  allowedOrigins: ["https://app.example"],
  app: { ingest: { helloTimeoutMs: 1500 } },
});
const opts = { sanitizeOps: false, sanitizeResources: false };
const http = `http://127.0.0.1:${server.port}`;
const ws = `ws://127.0.0.1:${server.port}/v1/sessions`;
const KEY = server.adminKey;
const auth = (token: string) => ({ authorization: `Bearer ${token}` });
let n = 0;
const sid = () => `a${++n}-${Date.now().toString(36)}`;
const HELLO = { type: "hello", audio: { sampleRate: 16000, encoding: "pcm_s16le", channels: 1 } };

async function json(res: Response): Promise<Record<string, unknown>> {
  return await res.json();
}

Deno.test("WebSocket upgrades without a valid token are refused with 401 before the upgrade", opts, async () => {
  const s = sid();
  await createSession(server, s);
  const expired = await mintToken(server, { sessionId: s, role: "view", ttlS: 1 });
  await new Promise((r) => setTimeout(r, 2100));
  for (const path of [`/v1/sessions/${s}/events`, `/v1/sessions/${s}/participants/p/ingest`, `/v1/sessions/${s}/participants/p/video`]) {
    for (const token of [undefined, "garbage", expired]) {
      const r = await rawRequest(server.port, token ? withToken(path, token) : path, WS_HEADERS);
      assert.equal(r.status, 401, `${path} with ${token?.slice(0, 8)}`);
      assert.equal(JSON.parse(r.body).error, "unauthorized");
    }
  }
});

Deno.test("valid tokens outside their scope get 403: other session, other participant, view token on ingest", opts, async () => {
  const s = sid(), other = sid();
  const view = await mintToken(server, { sessionId: s, role: "view" });
  const ingestAnn = await ingestToken(server, s, "ann");
  const foreign = await mintToken(server, { sessionId: other, role: "view" });
  const cases: [string, string][] = [
    [`/v1/sessions/${s}/participants/ann/ingest`, view],
    [`/v1/sessions/${s}/participants/bob/ingest`, ingestAnn],
    [`/v1/sessions/${other}/participants/ann/ingest`, ingestAnn],
    [`/v1/sessions/${s}/participants/bob/video`, ingestAnn],
    [`/v1/sessions/${s}/events`, foreign],
  ];
  for (const [path, token] of cases) {
    const r = await rawRequest(server.port, withToken(path, token), WS_HEADERS);
    assert.equal(r.status, 403, path);
    assert.equal(JSON.parse(r.body).error, "forbidden");
  }
  // In scope: an ingest token may read its own session's events (the session exists once ingest opened it).
  await createSession(server, s);
  assert.equal((await rawRequest(server.port, withToken(`/v1/sessions/${s}/events`, ingestAnn), WS_HEADERS)).status, 101);
});

Deno.test("admin routes need the admin key or an admin token; health is open and names no session", opts, async () => {
  const s = sid();
  await createSession(server, s);
  const view = await mintToken(server, { sessionId: s, role: "view" });
  assert.equal((await fetch(`${http}/v1/sessions`)).status, 401);
  assert.equal((await fetch(`${http}/v1/sessions`, { headers: auth(view) })).status, 403);
  const list = await json(await fetch(`${http}/v1/sessions`, { headers: auth(KEY) }));
  assert.ok((list.sessions as { id: string }[]).some((x) => x.id === s));
  for (const [method, path] of [["POST", "/v1/tokens"], ["POST", "/v1/sessions"], ["DELETE", `/v1/sessions/${s}`], ["DELETE", `/v1/sessions/${s}/participants/p`]]) {
    const r = await fetch(`${http}${path}`, { method, headers: { ...auth(view), "content-type": "application/json" }, body: method === "POST" ? "{}" : undefined });
    assert.equal(r.status, 403, `${method} ${path}`);
    assert.equal((await r.json()).error, "forbidden");
    const r2 = await fetch(`${http}${path}`, { method, body: method === "POST" ? "{}" : undefined });
    assert.equal(r2.status, 401, `${method} ${path} without token`);
    await r2.body?.cancel();
  }
  const health = await fetch(`${http}/v1/health`);
  const text = await health.text();
  assert.equal(health.status, 200);
  assert.equal(JSON.parse(text).status, "ok");
  assert.equal(JSON.parse(text).retentionMs, 30 * 86_400_000, "health states the retention (consent screens quote it)");
  assert.ok(!text.includes(s), "health reveals no session id");
  assert.equal((await fetch(`${http}/v1/models`)).status, 401);
  assert.equal((await fetch(`${http}/v1/models`, { headers: auth(view) })).status, 200);
});

Deno.test("POST /v1/tokens mints scoped tokens (201) and validates its body (400)", opts, async () => {
  const post = (body: unknown) =>
    fetch(`${http}/v1/tokens`, { method: "POST", headers: { ...auth(KEY), "content-type": "application/json" }, body: JSON.stringify(body) });
  const r = await post({ sessionId: "tk", role: "ingest", participantId: "ann", ttlS: 60, consent: true, name: "Ann" });
  assert.equal(r.status, 201);
  const { token, expiresAt } = await r.json();
  assert.ok(Math.abs(Date.parse(expiresAt) - Date.now() - 60_000) < 5000);
  const g = await server.issuer.verify(token);
  assert.deepEqual([g.sessionId, g.role, g.participantId, g.consent, g.name], ["tk", "ingest", "ann", true, "Ann"]);
  const def = await (await post({ sessionId: "tk", role: "view" })).json();
  assert.ok(Math.abs(Date.parse(def.expiresAt) - Date.now() - 3600_000) < 5000, "default ttl 1 h");
  for (const bad of [{ role: "view" }, { sessionId: "tk", role: "admin" }, { sessionId: "tk", role: "ingest" }, { sessionId: "tk", role: "view", ttlS: 86_401 }, { sessionId: "bad id", role: "view" }]) {
    const res = await post(bad);
    assert.equal(res.status, 400, JSON.stringify(bad));
    await res.body?.cancel();
  }
});

Deno.test("the login URL's token gives a 12 h admin token once; a second use is 401", opts, async () => {
  const url = new URL(server.loginUrl());
  assert.equal(url.origin, http);
  const login = url.searchParams.get("login")!;
  const post = () => fetch(`${http}/v1/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: login }) });
  const first = await post();
  assert.equal(first.status, 200);
  const { token, expiresAt } = await first.json();
  assert.ok(Math.abs(Date.parse(expiresAt) - Date.now() - 12 * 3600_000) < 5000);
  assert.equal((await fetch(`${http}/v1/sessions`, { headers: auth(token) })).status, 200);
  const second = await post();
  assert.equal(second.status, 401);
  assert.equal((await second.json()).error, "unauthorized");
});

Deno.test("WebSocket upgrades from a foreign Origin are refused (403); own, allowed and absent Origins pass", opts, async () => {
  const s = sid();
  await createSession(server, s);
  const path = withToken(`/v1/sessions/${s}/events`, KEY);
  assert.equal((await rawRequest(server.port, path, { ...WS_HEADERS, origin: "http://evil.example" })).status, 403);
  assert.equal((await rawRequest(server.port, path, { ...WS_HEADERS, origin: `http://127.0.0.1:${server.port + 1}` })).status, 403);
  assert.equal((await rawRequest(server.port, path, { ...WS_HEADERS, origin: http })).status, 101);
  assert.equal((await rawRequest(server.port, path, { ...WS_HEADERS, origin: "https://app.example" })).status, 101);
  assert.equal((await rawRequest(server.port, path, WS_HEADERS)).status, 101);
  const ingest = withToken(`/v1/sessions/${s}/participants/p/ingest`, KEY);
  assert.equal((await rawRequest(server.port, ingest, { ...WS_HEADERS, origin: "http://evil.example" })).status, 403);
  const post = await rawRequest(server.port, "/v1/sessions", { origin: "http://evil.example", authorization: `Bearer ${KEY}`, "content-length": "2" }, { method: "POST" });
  assert.equal(post.status, 403, "state-changing requests from a foreign page too");
});

Deno.test("bound to loopback, a foreign Host is refused (DNS rebinding); loopback names are served", opts, async () => {
  const r = await rawRequest(server.port, "/v1/health", { host: "evil.example:8787" });
  assert.equal(r.status, 403);
  assert.deepEqual(JSON.parse(r.body), { error: "forbidden" });
  assert.equal((await rawRequest(server.port, "/", { host: "evil.example" })).status, 403);
  for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`, `[::1]:${server.port}`]) {
    assert.equal((await rawRequest(server.port, "/v1/health", { host })).status, 200, host);
  }
});

Deno.test("responses carry CSP (frame-ancestors 'none', wasm-unsafe-eval, no unsafe-inline), nosniff; the static route serves only dashboard assets", opts, async () => {
  const page = await fetch(`${http}/`);
  assert.equal(page.status, 200);
  await page.body?.cancel();
  const csp = page.headers.get("content-security-policy") ?? "";
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.match(csp, /connect-src 'self' ws:\/\/127\.0\.0\.1:\d+ wss:\/\/127\.0\.0\.1:\d+ https:\/\/storage\.googleapis\.com/);
  assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'/);
  assert.equal(page.headers.get("x-content-type-options"), "nosniff");
  assert.equal(page.headers.get("x-frame-options"), "DENY");
  const ok = await fetch(`${http}/static/app/main.js`);
  assert.equal(ok.status, 200);
  assert.match(ok.headers.get("content-type") ?? "", /javascript/);
  await ok.body?.cancel();
  const wasm = await fetch(`${http}/vendor/tasks-vision/wasm/vision_wasm_internal.wasm`);
  assert.equal(wasm.status, 200);
  await wasm.body?.cancel();
  // The pixel expression model and its runtime, for the browser's face worker.
  for (const p of ["/vendor/onnxruntime-web/ort.wasm.min.mjs", "/vendor/onnxruntime-web/ort-wasm-simd-threaded.wasm", "/v1/face-model/face_cnn.onnx"]) {
    const r = await fetch(`${http}${p}`);
    assert.equal(r.status, 200, p);
    await r.body?.cancel();
  }
  for (const p of ["/vendor/onnxruntime-web/package.json", "/vendor/onnxruntime-web/ort.wasm.min.mjs.map", "/static/app/ids_test.ts", "/static/dashboard_browser_test.ts", "/static/app/session_model_test.ts", "/vendor/tasks-vision/package.json", "/vendor/tasks-vision/README.md", "/static/../deno.json", "/static/%2e%2e/deno.json"]) {
    const r = await fetch(`${http}${p}`);
    assert.equal(r.status, 404, p);
    await r.body?.cancel();
  }
});

Deno.test("the events socket of a session that does not exist closes 4404 and creates nothing", opts, async () => {
  const s = sid();
  const sub = new TestSocket(withToken(`${ws}/${s}/events`, KEY));
  await sub.closed;
  assert.equal(sub.closeCode, 4404);
  assert.equal(sub.ofType("error")[0]?.code, "session_not_found");
  assert.equal(await server.store.hasSession(s), false);
  assert.equal(server.registry.peek(s), undefined);
});

Deno.test("POST /v1/sessions creates (201), finds (200), and generates an id when none is given", opts, async () => {
  const s = sid();
  const post = (body: unknown) =>
    fetch(`${http}/v1/sessions`, { method: "POST", headers: { ...auth(KEY), "content-type": "application/json" }, body: JSON.stringify(body) });
  const a = await post({ sessionId: s });
  assert.equal(a.status, 201);
  assert.deepEqual(await a.json(), { sessionId: s });
  const b = await post({ sessionId: s });
  assert.equal(b.status, 200);
  await b.body?.cancel();
  const c = await post({});
  assert.equal(c.status, 201);
  const { sessionId } = await c.json();
  assert.match(sessionId, /^[A-Za-z0-9_.-]{4,64}$/);
  assert.equal(await server.store.hasSession(sessionId), true);
});

Deno.test("without consent in hello or token: consent_required, close 4403, nothing analysed or published", opts, async () => {
  const s = sid();
  await createSession(server, s);
  const events = new TestSocket(withToken(`${ws}/${s}/events`, KEY));
  await events.opened;
  const token = await mintToken(server, { sessionId: s, role: "ingest", participantId: "nc" });
  const p = new TestSocket(withToken(`${ws}/${s}/participants/nc/ingest`, token));
  await p.opened;
  p.json(HELLO);
  p.send(new Uint8Array(640));
  await p.closed;
  assert.equal(p.closeCode, 4403);
  assert.equal(p.ofType("error")[0]?.code, "consent_required");
  assert.equal(p.ofType("ready").length, 0);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(events.messages.filter((m) => m.participantId === "nc").length, 0);
  // A token minted with consent needs no consent in hello.
  const withConsent = await ingestToken(server, s, "yes");
  const q = new TestSocket(withToken(`${ws}/${s}/participants/yes/ingest`, withConsent));
  await q.opened;
  q.json(HELLO);
  await q.waitFor((m) => m.some((x) => x.type === "ready"));
  q.close();
  events.close();
});

Deno.test("withdrawing consent mid-call stops the participant: participant.left consent_withdrawn, close 1000, nothing after", opts, async () => {
  const s = sid();
  await createSession(server, s);
  const events = new TestSocket(withToken(`${ws}/${s}/events`, KEY));
  await events.opened;
  const p = new TestSocket(withToken(`${ws}/${s}/participants/w/ingest`, KEY));
  await p.opened;
  p.json({ ...HELLO, consent: true });
  await p.waitFor((m) => m.some((x) => x.type === "ready"));
  p.json({ type: "transcript", final: true, text: "something personal", startMs: 0, endMs: 500 });
  p.json({ type: "consent", consent: false });
  await p.closed;
  assert.equal(p.closeCode, 1000);
  await events.waitFor((m) => m.some((x) => x.type === "participant.left"));
  await new Promise((r) => setTimeout(r, 500));
  const mine = events.messages.filter((m) => m.participantId === "w");
  const left = mine.findIndex((m) => m.type === "participant.left");
  assert.equal(mine[left].reason, "consent_withdrawn");
  assert.equal(left, mine.length - 1, "nothing of theirs after participant.left");
  assert.equal(mine.filter((m) => m.type === "emotion").length, 0);
  assert.equal(server.registry.peek(s)!.participants.has("w"), false, "ended participants leave the session");
  events.close();
});

Deno.test("GET viewers lists the connected subscribers to the session's token holders", opts, async () => {
  const s = sid();
  await createSession(server, s);
  const viewerToken = await mintToken(server, { sessionId: s, role: "view", name: "Coach" });
  const sub = new TestSocket(withToken(`${ws}/${s}/events`, viewerToken));
  await sub.opened;
  await new Promise((r) => setTimeout(r, 100));
  const participant = await ingestToken(server, s, "ann");
  const { viewers } = await json(await fetch(`${http}/v1/sessions/${s}/viewers`, { headers: auth(participant) }));
  assert.equal((viewers as unknown[]).length, 1);
  const v = (viewers as Record<string, unknown>[])[0];
  assert.equal(v.name, "Coach");
  assert.equal(v.role, "view");
  assert.ok(typeof v.viewerId === "string" && typeof v.connectedWallMs === "number");
  const foreign = await mintToken(server, { sessionId: sid(), role: "view" });
  assert.equal((await fetch(`${http}/v1/sessions/${s}/viewers`, { headers: auth(foreign) })).status, 403);
  sub.close();
  await sub.closed;
  await new Promise((r) => setTimeout(r, 100));
  const after = await json(await fetch(`${http}/v1/sessions/${s}/viewers?token=${participant}`));
  assert.deepEqual(after.viewers, []);
});

Deno.test("export downloads the timeline as jsonl and csv attachments; erasure answers its report and closes the sockets", opts, async () => {
  const s = sid();
  const p = new TestSocket(withToken(`${ws}/${s}/participants/ann/ingest`, KEY));
  await p.opened;
  p.json({ ...HELLO, consent: true, name: "Ann" });
  await p.waitFor((m) => m.some((x) => x.type === "ready"));
  const b = new TestSocket(withToken(`${ws}/${s}/participants/bob/ingest`, KEY));
  await b.opened;
  b.json({ type: "hello", consent: true });
  await b.waitFor((m) => m.some((x) => x.type === "ready"));
  await new Promise((r) => setTimeout(r, 100));
  const view = await mintToken(server, { sessionId: s, role: "view" });
  const jsonl = await fetch(`${http}/v1/sessions/${s}/export?format=jsonl`, { headers: auth(view) });
  assert.equal(jsonl.status, 200);
  assert.match(jsonl.headers.get("content-disposition") ?? "", /^attachment; filename="/);
  const lines = (await jsonl.text()).trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((e) => e.type), ["participant.joined", "participant.joined"]);
  const csv = await (await fetch(`${http}/v1/sessions/${s}/export?format=csv&token=${view}`)).text();
  assert.match(csv.split("\r\n")[0], /^seq,wallMs,type,participantId/);
  assert.equal(csv.trim().split("\r\n").length, 3);
  assert.equal((await fetch(`${http}/v1/sessions/${s}/export?format=xml`, { headers: auth(view) })).status, 400);
  const sub = new TestSocket(withToken(`${ws}/${s}/events`, view));
  await sub.waitFor((m) => m.length >= 2);
  const del = await fetch(`${http}/v1/sessions/${s}/participants/ann`, { method: "DELETE", headers: auth(KEY) });
  assert.equal(del.status, 200);
  assert.deepEqual(await del.json(), { sessionId: s, participantId: "ann", events: 1, participants: 1, turns: 0, sessions: 0 });
  await p.closed;
  assert.equal(p.closeCode, 4403, "the erased participant's socket is closed");
  const after = (await (await fetch(`${http}/v1/sessions/${s}/export`, { headers: auth(view) })).text()).trim().split("\n");
  assert.equal(after.length, 1);
  assert.equal(JSON.parse(after[0]).participantId, "bob");
  const delS = await fetch(`${http}/v1/sessions/${s}`, { method: "DELETE", headers: auth(KEY) });
  assert.equal(delS.status, 200);
  const report = await delS.json();
  assert.equal(report.sessions, 1);
  await sub.closed;
  assert.equal(sub.closeCode, 4404);
  await b.closed;
  assert.equal(await server.store.hasSession(s), false);
  assert.equal((await fetch(`${http}/v1/sessions/${s}`, { method: "DELETE", headers: auth(KEY) })).status, 404);
});

Deno.test("a token that expires mid-call closes the socket with 4401", opts, async () => {
  const s = sid();
  const token = await mintToken(server, { sessionId: s, role: "ingest", participantId: "e", ttlS: 1, consent: true });
  const p = new TestSocket(withToken(`${ws}/${s}/participants/e/ingest`, token));
  await p.opened;
  p.json({ type: "hello" });
  await p.waitFor((m) => m.some((x) => x.type === "ready"));
  await p.closed;
  assert.equal(p.closeCode, 4401);
  assert.equal(p.ofType("error").at(-1)?.code, "unauthorized");
});

Deno.test("a socket that sends no hello is closed after the hello timeout (1008, timeout)", opts, async () => {
  const p = new TestSocket(withToken(`${ws}/${sid()}/participants/quiet/ingest`, KEY));
  await p.opened;
  const t = Date.now();
  await p.closed;
  assert.equal(p.closeCode, 1008);
  assert.equal(p.ofType("error")[0]?.code, "timeout");
  assert.ok(Date.now() - t >= 1200, `closed after ${Date.now() - t} ms`);
});

Deno.test("the text message limit counts UTF-8 bytes; a 30 s audio burst ends in a 1008 close, not a reset", opts, async () => {
  const p = new TestSocket(withToken(`${ws}/${sid()}/participants/big/ingest`, KEY));
  await p.opened;
  p.json({ ...HELLO, consent: true });
  await p.waitFor((m) => m.some((x) => x.type === "ready"));
  // 40,000 two-byte characters: 80,000 bytes of UTF-8, under 64 Ki UTF-16 units.
  p.json({ type: "transcript", final: true, text: "é".repeat(40_000), startMs: 0, endMs: 1 });
  await p.waitFor((m) => m.some((x) => x.code === "message_too_large"));
  // 30 s of audio in 20 ms messages, all at once.
  for (let i = 0; i < 1500 && p.ws.readyState === WebSocket.OPEN; i++) p.send(new Uint8Array(640));
  const t = Date.now();
  await p.closed;
  assert.equal(p.closeCode, 1008);
  assert.ok(Date.now() - t < 10_000, "closed by the rate limit, not a timeout");
  assert.equal(p.ofType("error").at(-1)?.code, "rate_limited");
});

Deno.test("audio sent after end is read out and the socket still closes with a 1000 close frame", opts, async () => {
  const p = new TestSocket(withToken(`${ws}/${sid()}/participants/late/ingest`, KEY));
  await p.opened;
  p.json({ ...HELLO, consent: true });
  await p.waitFor((m) => m.some((x) => x.type === "ready"));
  p.json({ type: "end" });
  for (let i = 0; i < 500 && p.ws.readyState === WebSocket.OPEN; i++) p.send(new Uint8Array(640));
  await p.closed;
  assert.equal(p.closeCode, 1000);
});

globalThis.addEventListener("unload", () => {
  void server.shutdown();
  server.engine.close();
});
