import assert from "node:assert/strict";
import { hostName, isLoopbackBind, originAllowed, parseAllowedOrigins } from "./request_guard.ts";

Deno.test("hostName strips the port and keeps IPv6 brackets", () => {
  assert.equal(hostName("127.0.0.1:8787"), "127.0.0.1");
  assert.equal(hostName("LocalHost"), "localhost");
  assert.equal(hostName("[::1]:8787"), "[::1]");
  assert.equal(hostName("evil.example:8787"), "evil.example");
  assert.ok(isLoopbackBind("127.0.0.1") && isLoopbackBind("::1") && !isLoopbackBind("0.0.0.0"));
});

Deno.test("the server's own origin and allowed origins pass; others do not", () => {
  const allowed = parseAllowedOrigins(["https://app.example.com, http://localhost:3000", "https://b.example"]);
  assert.deepEqual(allowed, ["https://app.example.com", "http://localhost:3000", "https://b.example"]);
  assert.ok(originAllowed("http://127.0.0.1:8787", "127.0.0.1:8787", []));
  assert.ok(originAllowed("https://calls.example", "calls.example", []));
  assert.ok(originAllowed("https://app.example.com", "127.0.0.1:8787", allowed));
  assert.ok(!originAllowed("http://evil.example", "127.0.0.1:8787", allowed));
  assert.ok(!originAllowed("http://127.0.0.1:9999", "127.0.0.1:8787", allowed));
  assert.ok(!originAllowed("null", "127.0.0.1:8787", allowed));
  assert.throws(() => parseAllowedOrigins(["ftp://x"]), /http/);
});
