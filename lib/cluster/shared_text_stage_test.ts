import assert from "node:assert/strict";
import type { Turn } from "../engine/stages.ts";
import type { ModalityEstimate } from "../modality/estimate.ts";
import { MemoryStore } from "../store/memory_store.ts";
import { RedisStore } from "../store/redis_store.ts";
import { StoreError } from "../store/store.ts";
import { hasCommand, startRedisServer } from "./redis_server.ts";
import { type RefillableConversation, SharedTextStage } from "./shared_text_stage.ts";

/** A conversation that records the context each estimate was read with. */
class RecordingConversation implements RefillableConversation {
  readonly maxContextTurns = 4;
  history: Turn[] = [];
  seen: string[][] = [];
  estimate(turn: Turn): Promise<ModalityEstimate | null> {
    // Captured synchronously, as Conversation builds its window before its first await.
    this.seen.push([...this.history.map((t) => `${t.speaker}: ${t.text}`), `> ${turn.text}`]);
    return Promise.resolve(null);
  }
  commit(turn: Turn): void {
    this.history.push(turn);
    if (this.history.length > this.maxContextTurns) this.history.shift();
  }
  reset(): void {
    this.history = [];
  }
}

Deno.test("SharedTextStage: participants of one session on two instances read each other's turns", async () => {
  const store = new MemoryStore();
  await store.createSession("s");
  const onA = new RecordingConversation(), onB = new RecordingConversation();
  const a = new SharedTextStage(onA, store, "s").forParticipant("ann");
  const b = new SharedTextStage(onB, store, "s").forParticipant("bob");
  await a.estimate({ speaker: "Ann", text: "I lost my keys" });
  a.commit({ speaker: "Ann", text: "I lost my keys" });
  await b.estimate({ speaker: "bob", text: "oh no" });
  b.commit({ speaker: "bob", text: "oh no" });
  await a.estimate({ speaker: "Ann", text: "found them" });
  assert.deepEqual(onB.seen.at(-1), ["Ann: I lost my keys", "> oh no"]);
  assert.deepEqual(onA.seen.at(-1), ["Ann: I lost my keys", "bob: oh no", "> found them"]);
  // Turns carry the participant id, so erasing a participant erases their words from the context.
  const report = await store.deleteParticipant("s", "ann");
  assert.equal(report.turns, 1);
  await b.estimate({ speaker: "bob", text: "good" });
  assert.deepEqual(onB.seen.at(-1), ["bob: oh no", "> good"]);
  await store.close();
});

Deno.test("SharedTextStage: keeps only keepTurns in the store and reads the model's context length", async () => {
  const store = new MemoryStore();
  await store.createSession("s");
  const conv = new RecordingConversation();
  const stage = new SharedTextStage(conv, store, "s", { keepTurns: 6 }).forParticipant("ann");
  for (let i = 0; i < 10; i++) stage.commit({ speaker: "Ann", text: `t${i}` });
  await stage.estimate({ speaker: "Ann", text: "now" });
  assert.deepEqual(conv.seen.at(-1), ["Ann: t6", "Ann: t7", "Ann: t8", "Ann: t9", "> now"]);
  assert.equal((await store.recentTurns("s", 100)).length, 6);
  await store.close();
});

Deno.test("SharedTextStage: a failing store leaves the local context in use and reports the error", async () => {
  const store = new MemoryStore();
  await store.createSession("s");
  const errors: unknown[] = [];
  const conv = new RecordingConversation();
  const stage = new SharedTextStage(conv, store, "s", { onError: (e) => errors.push(e) }).forParticipant("ann");
  stage.commit({ speaker: "Ann", text: "before" });
  await stage.estimate({ speaker: "Ann", text: "x" });
  const fail = () => Promise.reject(new StoreError("redis away"));
  store.recentTurns = fail;
  store.appendTurn = fail;
  stage.commit({ speaker: "Ann", text: "during" });
  await stage.estimate({ speaker: "Ann", text: "y" });
  assert.deepEqual(conv.seen.at(-1), ["Ann: before", "Ann: during", "> y"]);
  assert.ok(errors.length >= 2 && errors.every((e) => e instanceof StoreError));
  await store.close();
});

const redisAvailable = await hasCommand("redis-server");
Deno.test({
  name: "SharedTextStage over Redis: two instances' stages share one session's turns",
  ignore: !redisAvailable,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startRedisServer();
    const [one, two] = await Promise.all([RedisStore.open(server.url), RedisStore.open(server.url)]);
    try {
      await one.createSession("s");
      const onA = new RecordingConversation(), onB = new RecordingConversation();
      const a = new SharedTextStage(onA, one, "s").forParticipant("ann");
      const b = new SharedTextStage(onB, two, "s").forParticipant("bob");
      a.commit({ speaker: "Ann", text: "the flight is cancelled" });
      await a.estimate({ speaker: "Ann", text: "again" }); // waits for its own turn to be stored
      await b.estimate({ speaker: "bob", text: "oh no" });
      assert.deepEqual(onB.seen.at(-1), ["Ann: the flight is cancelled", "> oh no"]);
    } finally {
      await Promise.all([one.close(), two.close()]);
      await server.stop(true);
    }
  },
});
