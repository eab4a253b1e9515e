import assert from "node:assert/strict";
import { Logger } from "./logger.ts";

Deno.test("Logger writes one JSON object per line and leaves out names and transcript text", () => {
  const lines: string[] = [];
  const log = new Logger({ write: (l) => lines.push(l), logContent: false });
  log.info("participant joined", { sessionId: "s1", participantId: "p", name: "Ann Secret", text: "my pin 1234" });
  assert.equal(lines.length, 1);
  const o = JSON.parse(lines[0]);
  assert.equal(o.level, "info");
  assert.equal(o.msg, "participant joined");
  assert.equal(o.sessionId, "s1");
  assert.equal("name" in o || "text" in o, false);
  assert.ok(!lines[0].includes("Ann Secret") && !lines[0].includes("1234"));
  assert.match(o.participantId, /^p:[0-9a-f]{10}$/, "participant ids (often derived from names) are pseudonymised");
});

Deno.test("Logger keeps content fields only when asked and filters by level", () => {
  const lines: string[] = [];
  const log = new Logger({ write: (l) => lines.push(l), logContent: true, level: "warn" });
  log.info("dropped");
  log.warn("kept", { name: "Ann" });
  assert.equal(lines.length, 1);
  assert.equal(JSON.parse(lines[0]).name, "Ann");
});
