import assert from "node:assert/strict";
import { DEFAULT_RETENTION_TEXT, retentionText, viewersText } from "./consent_text.js";

Deno.test("retentionText states the server's retention in words, else the documented default", () => {
  assert.equal(retentionText({ status: "ok" }), DEFAULT_RETENTION_TEXT);
  assert.equal(retentionText(undefined), DEFAULT_RETENTION_TEXT);
  assert.equal(retentionText({ retention: "30d" }), "30 days");
  assert.equal(retentionText({ retentionS: 7200 }), "2 hours");
  assert.equal(retentionText({ store: { retentionDays: 7 } }), "7 days");
  assert.equal(retentionText({ retention: { days: 1 } }), "1 day");
  assert.match(retentionText({ retention: 0 }), /until the session is erased/);
});

Deno.test("viewersText lists who is watching by name, else id, with the role", () => {
  assert.equal(viewersText([]), "nobody is watching yet");
  assert.equal(
    viewersText([{ viewerId: "v1", name: "Alice", role: "view" }, { viewerId: "v2", role: "admin" }]),
    "Alice (view), v2 (admin)",
  );
});
