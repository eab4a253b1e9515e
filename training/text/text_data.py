"""Reads the TypeScript-built training cache (dataset.json, see training/text/dataset.ts) into arrays
and yields batches grouped by dialogue, so every turn of a batch is encoded once however many windows
use it."""
import json

import numpy as np
import torch

SPLIT_TRAIN, SPLIT_DEV = 0, 1


class TextData:
    """Token ids of every turn plus parallel per-example arrays."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        self.doc = doc
        self.max_tokens = doc["maxTokens"]
        self.context_turns = doc["contextTurns"]
        self.vocab_size = doc["vocabSize"]
        self.corpora = doc["corpora"]
        turns = doc["turns"]
        self.lengths = np.array([len(t) for t in turns], dtype=np.int64)
        self.turn_ids = np.zeros((len(turns), self.max_tokens), dtype=np.int64)
        for i, t in enumerate(turns):
            self.turn_ids[i, :len(t)] = t
        ex = doc["examples"]
        self.split = np.array(ex["split"], dtype=np.int64)
        self.dialogue = np.array(ex["dialogue"], dtype=np.int64)
        self.corpus = np.array(ex["corpus"], dtype=np.int64)
        self.window = np.array(ex["window"], dtype=np.int64)
        self.same = np.array(ex["same"], dtype=np.float32)
        mask = np.array(ex["emotionMask"], dtype=np.int64)
        self.emotion_sets = ((mask[:, None] >> np.arange(7)[None, :]) & 1).astype(bool)
        self.sentiment = np.array(ex["sentiment"], dtype=np.int64)
        self.emorynlp = np.array(ex["emorynlp"], dtype=np.int64)
        self.emocontext = np.array(ex["emocontext"], dtype=np.int64)

    def corpus_index(self, name):
        return self.corpora.index(name)

    def batches(self, examples, batch_size, rng=None):
        """Lists of example indices: whole dialogues (shuffled when rng is given) until batch_size is reached."""
        examples = np.asarray(examples)
        order = np.argsort(self.dialogue[examples], kind="stable")
        examples = examples[order]
        starts = np.flatnonzero(np.r_[True, self.dialogue[examples][1:] != self.dialogue[examples][:-1]])
        groups = np.split(examples, starts[1:])
        if rng is not None:
            rng.shuffle(groups)
        batch = []
        for g in groups:
            batch.extend(g.tolist())
            if len(batch) >= batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    def window_tensors(self, batch):
        """(input_ids [B, K, T], same [B, K]) for a batch, as the ONNX model takes them (used for parity)."""
        win = self.window[batch]
        t = max(1, int(self.lengths[win[win >= 0]].max()))
        ids = np.where(win[..., None] >= 0, self.turn_ids[np.maximum(win, 0)][..., :t], 0)
        return torch.from_numpy(ids), torch.from_numpy(self.same[batch])


def encode_batch(model, data, batch, chunk=256):
    """Turn vectors of a batch's windows [B, K, D] and presence [B, K], each distinct turn encoded once,
    in chunks of similar length so little padding is computed."""
    win = data.window[batch]
    unique, inverse = np.unique(win[win >= 0], return_inverse=True)
    order = np.argsort(data.lengths[unique], kind="stable")
    parts = []
    for s in range(0, len(order), chunk):
        idx = unique[order[s:s + chunk]]
        t = int(data.lengths[idx].max())
        parts.append(model.encode_turns(torch.from_numpy(data.turn_ids[idx, :t])))
    enc_sorted = torch.cat(parts, 0)
    enc_unique = torch.empty_like(enc_sorted)
    enc_unique[torch.from_numpy(order)] = enc_sorted
    table = torch.cat([enc_unique.new_zeros(1, enc_unique.shape[1]), enc_unique], 0)  # row 0: padding
    pos = np.zeros(win.shape, dtype=np.int64)
    pos[win >= 0] = inverse + 1
    enc = table[torch.from_numpy(pos)]
    present = torch.from_numpy((win >= 0).astype(np.float32))
    return enc, present
