import assert from "node:assert/strict";
import { sign } from "hono/jwt";
import { loadAdminKey } from "./admin_key.ts";
import { canIngest, canView } from "./grant.ts";
import { AuthError, TokenIssuer } from "./token_issuer.ts";

const KEY = "test-admin-key-0123456789";

Deno.test("a minted ingest token verifies to its typed grant, and its scope is that session and participant", async () => {
  const issuer = new TokenIssuer(KEY);
  const { token, expiresAt, grant } = await issuer.mint({ sessionId: "s1", role: "ingest", participantId: "ann", consent: true, name: "Ann" });
  assert.ok(Math.abs(Date.parse(expiresAt) - Date.now() - 3600_000) < 5000);
  const g = await issuer.verify(token);
  assert.deepEqual(g, grant);
  assert.equal(g.sessionId, "s1");
  assert.equal(g.participantId, "ann");
  assert.equal(g.consent, true);
  assert.equal(g.name, "Ann");
  assert.ok(canIngest(g, "s1", "ann"));
  assert.ok(!canIngest(g, "s1", "bob"));
  assert.ok(!canIngest(g, "s2", "ann"));
  assert.ok(canView(g, "s1") && !canView(g, "s2"));
});

Deno.test("another instance with the same admin key accepts the token; another key does not", async () => {
  const { token } = await new TokenIssuer(KEY).mint({ sessionId: "s", role: "view" });
  assert.equal((await new TokenIssuer(KEY).verify(token)).role, "view");
  await assert.rejects(new TokenIssuer(KEY + "x").verify(token), AuthError);
});

Deno.test("expired, tampered, unsigned and expiry-less tokens are refused", async () => {
  let now = Date.now();
  const issuer = new TokenIssuer(KEY, () => now);
  const { token } = await issuer.mint({ sessionId: "s", role: "view", ttlS: 1 });
  now += 2000;
  await assert.rejects(issuer.verify(token), /expired/);
  now = Date.now();
  const { token: t2 } = await issuer.mint({ sessionId: "s", role: "view" });
  const [h, p, s] = t2.split(".");
  const forged = JSON.parse(atob(p.replace(/-/g, "+").replace(/_/g, "/")));
  forged.role = "admin";
  const p2 = btoa(JSON.stringify(forged)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  await assert.rejects(issuer.verify(`${h}.${p2}.${s}`), AuthError);
  await assert.rejects(issuer.verify("not-a-token"), AuthError);
  await assert.rejects(issuer.verify(""), AuthError);
  // Signed with the right derived key but no exp: refused.
  const { createHmac } = await import("node:crypto");
  const secret = createHmac("sha256", KEY).update("affectstream/jwt/v1").digest("hex");
  await assert.rejects(issuer.verify(await sign({ sid: "s", role: "view" }, secret, "HS256")), /expiry/);
});

Deno.test("mint refuses ttlS over the maximum and ingest tokens without a participant", async () => {
  const issuer = new TokenIssuer(KEY);
  await assert.rejects(issuer.mint({ sessionId: "s", role: "view", ttlS: 86_401 }), RangeError);
  await assert.rejects(issuer.mint({ sessionId: "s", role: "view", ttlS: 0 }), RangeError);
  await assert.rejects(issuer.mint({ sessionId: "s", role: "ingest" }), RangeError);
});

Deno.test("a login token gives a 12 h admin JWT once; the admin key is an admin grant everywhere", async () => {
  const issuer = new TokenIssuer(KEY);
  const login = issuer.createLoginToken();
  const admin = await issuer.login(login);
  assert.ok(Math.abs(Date.parse(admin.expiresAt) - Date.now() - 12 * 3600_000) < 5000);
  assert.equal((await issuer.verify(admin.token)).role, "admin");
  await assert.rejects(issuer.login(login), AuthError);
  await assert.rejects(issuer.login("guess"), AuthError);
  assert.equal((await issuer.verify(KEY)).role, "admin");
});

Deno.test("the admin key is generated once into the data dir with mode 0600, or taken from the environment", async () => {
  const dir = `${await Deno.makeTempDir()}/data`;
  const first = await loadAdminKey(dir, () => undefined);
  assert.equal(first.source, "generated");
  assert.ok(first.key.length >= 40);
  assert.equal(Deno.statSync(`${dir}/admin.key`).mode! & 0o777, 0o600);
  assert.equal(Deno.statSync(dir).mode! & 0o777, 0o700);
  const again = await loadAdminKey(dir, () => undefined);
  assert.deepEqual([again.source, again.key], ["file", first.key]);
  const env = await loadAdminKey(dir, (n) => n === "AFFECTSTREAM_ADMIN_KEY" ? "from-the-environment-123" : undefined);
  assert.deepEqual([env.source, env.key], ["env", "from-the-environment-123"]);
  await assert.rejects(loadAdminKey(dir, () => "short"), /at least/);
});
