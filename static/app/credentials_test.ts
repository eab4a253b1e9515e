import assert from "node:assert/strict";
import { CredentialStore, isUnexpired, joinLink, takeJoinFragment, takeLoginToken } from "./credentials.js";

Deno.test("takeLoginToken reads ?login= and gives the address without it, other parameters kept", () => {
  const r = takeLoginToken("http://127.0.0.1:8787/?login=abc.def&session=call-1");
  assert.equal(r.loginToken, "abc.def");
  assert.equal(r.cleanHref, "http://127.0.0.1:8787/?session=call-1");
  assert.deepEqual(takeLoginToken("http://127.0.0.1:8787/"), {
    loginToken: undefined,
    cleanHref: "http://127.0.0.1:8787/",
  });
});

Deno.test("an invite link's #join= fragment round-trips its tokens and is stripped from the address", () => {
  const grant = {
    sessionId: "call-1",
    participantId: "guest-k3x9",
    ingest: "eyJ.ingest.sig",
    view: "eyJ.view.sig",
    expiresAt: "2030-01-01T00:00:00.000Z",
  };
  const link = joinLink("http://127.0.0.1:8787", grant);
  assert.match(link, /^http:\/\/127\.0\.0\.1:8787\/#join=[A-Za-z0-9_-]+$/);
  assert.ok(!link.includes("eyJ.ingest"), "tokens are not readable at a glance in the link");
  const r = takeJoinFragment(link);
  assert.deepEqual(r.grant, grant);
  assert.equal(r.cleanHref, "http://127.0.0.1:8787/");
  assert.equal(r.malformed, false);
  const bad = takeJoinFragment("http://h/#join=%%%");
  assert.deepEqual([bad.grant, bad.malformed, bad.cleanHref], [undefined, true, "http://h/"]);
  assert.equal(takeJoinFragment("http://h/#other").malformed, false);
});

Deno.test("CredentialStore keeps the admin JWT until it expires and forgets on clear", () => {
  const map = new Map<string, string>();
  const storage = {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  } as unknown as Storage;
  const store = new CredentialStore(storage);
  assert.equal(store.admin(), undefined);
  store.saveAdmin({ token: "jwt", expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
  assert.equal(store.admin()?.token, "jwt");
  store.saveAdmin({ token: "old", expiresAt: new Date(Date.now() + 10_000).toISOString() });
  assert.equal(store.admin(), undefined, "within the expiry margin");
  assert.equal(isUnexpired(undefined), true);
  store.saveGuest({ sessionId: "s", participantId: "p", ingest: "i", view: "v" });
  assert.equal(store.guest()?.participantId, "p");
  store.clear();
  assert.equal(store.guest(), undefined);
});
