import assert from "node:assert/strict";
import { isValidId, newSessionId, participantIdFor, sanitizeName } from "./ids.js";

Deno.test("participant ids are the sanitised name plus a random suffix and match the server's pattern", () => {
  assert.equal(sanitizeName("Zoë O'Brien"), "Zoe-O-Brien");
  assert.equal(sanitizeName("  ../..  "), "guest");
  assert.equal(sanitizeName("李雷"), "guest");
  assert.equal(sanitizeName("a".repeat(100)).length, 40);
  assert.equal(participantIdFor("Bob Ünïcode", "x1y2"), "Bob-Unicode-x1y2");
  for (const name of ["Zoë", "", "../etc/passwd", "a b c", "💥", "x".repeat(200)]) {
    const id = participantIdFor(name);
    assert.ok(isValidId(id), id);
    assert.match(id, /-[a-z0-9]{4}$/);
  }
  assert.ok(isValidId(newSessionId()));
  assert.ok(!isValidId("..") && !isValidId("a b") && !isValidId("x".repeat(65)));
});
