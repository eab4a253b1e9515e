/**
 * static/vendor/affectstream_client.js is the browser bundle of this module; it must match the
 * sources. Regenerate with the command below when this fails.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The command that builds the bundle (also in docs/client.md). */
export const BUNDLE_ARGS = ["bundle", "--platform", "browser", "--format", "esm", "lib/client/mod.ts", "-o"];

Deno.test("the committed browser bundle of lib/client is up to date and uses no Deno APIs", async () => {
  const out = await Deno.makeTempFile({ suffix: ".js" });
  const r = await new Deno.Command(Deno.execPath(), { args: [...BUNDLE_ARGS, out], cwd: ROOT, stderr: "piped" })
    .output();
  assert.ok(r.success, new TextDecoder().decode(r.stderr));
  const fresh = await Deno.readTextFile(out);
  await Deno.remove(out);
  const committed = await Deno.readTextFile(`${ROOT}static/vendor/affectstream_client.js`);
  assert.ok(
    fresh === committed,
    "static/vendor/affectstream_client.js is stale: run " +
      "`./node_modules/.bin/deno bundle --platform browser --format esm lib/client/mod.ts -o static/vendor/affectstream_client.js`",
  );
  assert.ok(!/\bDeno\./.test(fresh), "the browser bundle must not use Deno APIs");
});

Deno.test("the bundle loads in a browser-like scope and exports the client", async () => {
  const mod = await import(`${ROOT}static/vendor/affectstream_client.js`);
  for (const name of ["AffectstreamClient", "IngestConnection", "VideoConnection", "EventsConnection", "ClientError"]) {
    assert.equal(typeof mod[name], "function", name);
  }
  const c = new mod.AffectstreamClient({ url: "https://example.org:8443/", token: "t k" });
  assert.equal(c.socketUrl("/v1/x", { since: "3" }), "wss://example.org:8443/v1/x?token=t+k&since=3");
});
