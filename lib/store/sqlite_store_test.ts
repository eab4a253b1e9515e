import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { SqliteStore } from "./sqlite_store.ts";
import { runStoreContract } from "./store_contract.ts";


runStoreContract("sqlite", async () => {
  const dir = await Deno.makeTempDir();
  const store = new SqliteStore(`${dir}/affectstream.db`);

  return store;
}, {
  reopen: async (old) => {
    await old.close();
    const store = new SqliteStore((old as SqliteStore).path);
    return store;
  },
});

Deno.test("sqlite store: the database, its WAL and shared-memory files are mode 0600", async () => {
  const dir = await Deno.makeTempDir();
  const store = new SqliteStore(`${dir}/a.db`);
  await store.createSession("s");
  await store.append("s", [{ type: "participant.joined", participantId: "p" }]);
  for (const suffix of ["", "-wal", "-shm"]) {
    const st = Deno.statSync(`${dir}/a.db${suffix}`);
    assert.equal(st.mode! & 0o777, 0o600, `a.db${suffix} mode ${(st.mode! & 0o777).toString(8)}`);
  }
  await store.close();
});

Deno.test("sqlite store: a write blocked by another connection's lock fails as a recoverable StoreError and health says degraded, then recovers", async () => {
  const dir = await Deno.makeTempDir();
  const store = new SqliteStore(`${dir}/a.db`, { busyTimeoutMs: 10 });
  await store.createSession("s");
  const other = new DatabaseSync(`${dir}/a.db`);
  other.exec("BEGIN EXCLUSIVE");
  await assert.rejects(store.append("s", [{ type: "participant.joined", participantId: "p" }]), (err: Error) => {
    assert.equal(err.name, "StoreError");
    assert.equal((err as unknown as { recoverable: boolean }).recoverable, true);
    return true;
  });
  assert.equal(store.health().status, "degraded");
  assert.match(store.health().error!, /locked|busy/i);
  other.exec("ROLLBACK");
  other.close();
  const [e] = await store.append("s", [{ type: "participant.joined", participantId: "p" }]);
  assert.equal(e.seq, 1);
  assert.equal(store.health().status, "ok");
  await store.close();
});

Deno.test("sqlite store: erased names and text are in no file of the database after deleteParticipant", async () => {
  const dir = await Deno.makeTempDir();
  const store = new SqliteStore(`${dir}/a.db`);
  await store.createSession("s");
  await store.putParticipant("s", { participantId: "ann", name: "Annabel Quux", consent: true, joinedWallMs: 1 });
  for (let i = 0; i < 200; i++) {
    await store.append("s", [{ type: "participant.joined", participantId: "ann", name: "Annabel Quux" }]);
    await store.append("s", [{ type: "participant.joined", participantId: "bob", name: "Bob" }]);
  }
  await store.appendTurn("s", { participantId: "ann", speaker: "Annabel Quux", text: "account 98765 zebra", wallMs: 1 }, 10);
  await store.deleteParticipant("s", "ann");
  for (const e of Deno.readDirSync(dir)) {
    const bytes = Deno.readFileSync(`${dir}/${e.name}`);
    const text = new TextDecoder("latin1").decode(bytes);
    assert.equal(text.includes("Annabel Quux"), false, `${e.name} still holds the name`);
    assert.equal(text.includes("98765 zebra"), false, `${e.name} still holds the text`);
  }
  assert.equal((await store.read("s", 0, 1000)).length, 200);
  await store.close();
});
