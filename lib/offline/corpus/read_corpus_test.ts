/** Reads every corpus file in ../shared/data/text and checks sizes and label mappings. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parseCsv } from "./csv.ts";
import { readCorpus } from "./read_corpus.ts";
import type { CorpusDialogue, CorpusName, CorpusSplit } from "./types.ts";

const DATA = fileURLToPath(new URL("../../../../shared/data/text", import.meta.url));

async function load(name: CorpusName, split: CorpusSplit) {
  const dialogues = await readCorpus(name, DATA, split);
  const turns = dialogues.flatMap((d) => d.turns);
  return { dialogues, turns, labelled: turns.filter((t) => t.label) };
}

function count(dialogues: CorpusDialogue[], native: string, emotions: number[], sentiment: number): number {
  const turns = dialogues.flatMap((d) => d.turns).filter((t) => t.label?.native.includes(native));
  for (const t of turns) {
    if (t.label!.native.length === 1) {
      assert.deepEqual(t.label!.emotions, emotions, native);
      assert.equal(t.label!.sentiment, sentiment, native);
    }
  }
  return turns.length;
}

describe("text corpus readers", () => {
  it("parseCsv handles quoted delimiters, doubled quotes and newlines", () => {
    assert.deepEqual(parseCsv('a,"b,""c""\nd",e\n1,2,3\n'), [["a", 'b,"c"\nd', "e"], ["1", "2", "3"]]);
  });

  it("MELD: 9,989 train / 1,109 dev utterances, labels mapped one to one, sentiment from its column", async () => {
    const train = await load("meld", "train");
    const dev = await load("meld", "dev");
    assert.equal(train.labelled.length, 9989);
    assert.equal(train.dialogues.length, 1038);
    assert.equal(dev.labelled.length, 1109);
    assert.equal(count(dev.dialogues, "joy", [1], 2), 163);
    assert.equal(count(dev.dialogues, "disgust", [5], 0), 22);
    assert.equal(dev.turns.filter((t) => t.label!.sentiment === 0).length, 406);
  });

  it("EmoryNLP: Peaceful and Powerful become the partial label {neutral, happy}, positive", async () => {
    const dev = await load("emorynlp", "dev");
    assert.equal(dev.labelled.length, 954);
    assert.equal(count(dev.dialogues, "peaceful", [0, 1], 2), 82);
    assert.equal(count(dev.dialogues, "powerful", [0, 1], 2), 70);
    assert.equal(count(dev.dialogues, "scared", [4], 0), 127);
    assert.equal(count(dev.dialogues, "mad", [3], 0), 97);
    assert.equal(dev.turns[0].speaker, "Rachel Green");
    assert.equal((await load("emorynlp", "train")).labelled.length, 7551);
  });

  it("DailyDialog: spelling variants merge; surprise carries no sentiment", async () => {
    const train = await load("dailydialog", "train");
    assert.equal(train.turns.length, 8206);
    assert.equal(count(train.dialogues, "happiness", [1], 2) + count(train.dialogues, "happy", [1], 2), 3555);
    assert.equal(count(train.dialogues, "surprise", [6], -1), 365);
    assert.equal((await load("dailydialog", "dev")).turns.length, 493);
  });

  it("EmoContext: two context turns then a labelled turn; others is {neutral, fearful, disgusted, surprised}", async () => {
    const dev = await load("emocontext", "dev");
    assert.equal(dev.dialogues.length, 2755);
    assert.ok(dev.dialogues.every((d) => d.turns.length === 3 && !d.turns[0].label && d.turns[2].label));
    assert.deepEqual(
      dev.dialogues.map((d) => d.turns[2].speaker === d.turns[0].speaker),
      dev.dialogues.map(() => true),
    );
    assert.equal(count(dev.dialogues, "others", [0, 4, 5, 6], -1), 2338);
    assert.equal(count(dev.dialogues, "angry", [3], 0), 150);
    assert.equal((await load("emocontext", "train")).dialogues.length, 30160);
  });

  it("GoEmotions: labels become the set of their Ekman groups", async () => {
    const dev = await load("goemotions", "dev");
    assert.equal(dev.labelled.length, 5426);
    assert.ok(count(dev.dialogues, "annoyance", [3], 0) > 0);
    assert.ok(count(dev.dialogues, "curiosity", [6], -1) > 0);
    const multi = dev.labelled.find((t) =>
      t.label!.native.length === 2 && t.label!.native.includes("amusement") && t.label!.native.includes("curiosity")
    );
    assert.deepEqual(multi?.label?.emotions, [1, 6]);
    assert.equal(multi?.label?.sentiment, -1);
    assert.equal((await load("goemotions", "train")).labelled.length, 43410);
  });

  it("ISEAR: shame and guilt keep only a negative sentiment; no dev split", async () => {
    const train = await load("isear", "train");
    assert.equal(train.labelled.length, 6571);
    assert.equal(count(train.dialogues, "guilt", [], 0), 939);
    assert.equal(count(train.dialogues, "joy", [1], 2), 991);
    assert.ok(train.turns.every((t) => t.text.length > 0 && !t.text.includes("á ")));
    assert.equal((await load("isear", "dev")).dialogues.length, 0);
  });
});
