import assert from "node:assert/strict";
import { parseDuration } from "../main.ts";
import { startServer } from "./server.ts";
import { SqliteStore } from "./store/sqlite_store.ts";

Deno.test("--retention parses d/h/m/s durations and refuses anything else", () => {
  assert.equal(parseDuration("30d", "--retention"), 30 * 86_400_000);
  assert.equal(parseDuration("12h", "--retention"), 12 * 3_600_000);
  assert.equal(parseDuration("90m", "--retention"), 90 * 60_000);
  assert.equal(parseDuration("45s", "--retention"), 45_000);
  assert.throws(() => parseDuration("30", "--retention"), /duration/);
  assert.throws(() => parseDuration("0d", "--retention"), /more than zero/);
  assert.throws(() => parseDuration("1w", "--retention"), /duration/);
});

Deno.test("retention runs at start: sessions idle beyond it and older events are deleted, the rest kept", {
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const dir = await Deno.makeTempDir();
  const old = Date.now() - 3 * 86_400_000;
  const pre = new SqliteStore(`${dir}/affectstream.db`, { now: () => old });
  await pre.createSession("stale", old);
  await pre.append("stale", [{ type: "participant.joined", participantId: "p", name: "Old Name" }]);
  await pre.close();
  const fresh = new SqliteStore(`${dir}/affectstream.db`);
  await fresh.createSession("fresh");
  await fresh.append("fresh", [{ type: "participant.joined", participantId: "q" }]);
  await fresh.close();
  const server = await startServer({ port: 0, dataDir: dir, retentionMs: 86_400_000, engine: { disable: ["voice", "face", "text"] } });
  try {
    assert.equal(await server.store.hasSession("stale"), false);
    assert.equal(await server.store.hasSession("fresh"), true);
    assert.equal((await server.store.read("fresh", 0, 10)).length, 1);
    for (const e of Deno.readDirSync(dir)) {
      const text = new TextDecoder("latin1").decode(Deno.readFileSync(`${dir}/${e.name}`));
      assert.equal(text.includes("Old Name"), false, `${e.name} still holds data past retention`);
    }
  } finally {
    await server.shutdown();
    server.engine.close();
  }
});
