"""Tests of the text model's Python side: padding invariance, window equivalence, losses and metrics.

Run: /usr/bin/python3 -m unittest discover -s training -p 'test_*.py'
"""
import json
import os
import sys
import tempfile
import unittest

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from text_data import TextData, encode_batch  # noqa: E402
from text_metrics import macro_f1_multilabel, micro_f1_subset, multilabel_prediction, weighted_f1  # noqa: E402
from text_net import TextEmotionNet, TextEnsemble  # noqa: E402
from text_training import example_weights, losses, predict  # noqa: E402

torch.set_num_threads(1)


def tiny_dataset(path):
    """Two dialogues (3 turns and 1 turn) in the layout training/text/dataset.ts writes."""
    doc = {
        "version": 1, "vocabSize": 50, "contextTurns": 2, "maxTokens": 6,
        "emotions": ["neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised"],
        "corpora": ["meld", "emorynlp", "dailydialog", "emocontext", "goemotions", "isear"],
        "turns": [[5, 6, 7], [8], [9, 10, 11, 12, 13], [14, 15]],
        "examples": {
            "split": [0, 0, 0, 1], "dialogue": [0, 0, 0, 1], "corpus": [0, 0, 0, 4],
            "window": [[-1, -1, 0], [-1, 0, 1], [0, 1, 2], [-1, -1, 3]],
            "same": [[0, 0, 1], [0, 0, 1], [1, 0, 1], [0, 0, 1]],
            "emotionMask": [1, 2, 0b1111111, 3], "sentiment": [1, 2, -1, 0],
            "emorynlp": [-1, -1, -1, -1], "emocontext": [-1, -1, -1, -1],
        },
        "parity": [],
    }
    with open(path, "w") as f:
        json.dump(doc, f)
    return TextData(path)


class TextModelTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.model = TextEmotionNet(50, emb_dim=8, channels=4, turn_dim=6, hidden=5).eval()
        self.tmp = tempfile.TemporaryDirectory()
        self.data = tiny_dataset(os.path.join(self.tmp.name, "dataset.json"))

    def tearDown(self):
        self.tmp.cleanup()

    def test_turn_encoding_ignores_trailing_padding(self):
        ids = torch.tensor([[5, 6, 7]])
        padded = torch.tensor([[5, 6, 7, 0, 0, 0, 0]])
        with torch.no_grad():
            self.assertTrue(torch.allclose(self.model.encode_turns(ids), self.model.encode_turns(padded), atol=1e-6))

    def test_left_padding_turns_do_not_change_the_output(self):
        short = torch.tensor([[[5, 6], [8, 0]]])
        long = torch.tensor([[[0, 0], [0, 0], [5, 6], [8, 0]]])
        with torch.no_grad():
            a = self.model(short, torch.tensor([[0.0, 1.0]]))
            b = self.model(long, torch.tensor([[0.0, 0.0, 0.0, 1.0]]))
        for x, y in zip(a, b):
            self.assertTrue(torch.allclose(x, y, atol=1e-6))

    def test_deduplicated_batch_encoding_equals_the_exported_forward(self):
        batch = [0, 1, 2, 3]
        with torch.no_grad():
            enc, present = encode_batch(self.model, self.data, batch, chunk=2)
            fast = self.model.classify(enc, present, torch.from_numpy(self.data.same[batch]))
            ids, same = self.data.window_tensors(batch)
            slow = self.model(ids, same)
        for x, y in zip(fast, slow):
            self.assertTrue(torch.allclose(x, y, atol=1e-5))

    def test_ensemble_averages_its_members_in_forward_and_in_predict(self):
        torch.manual_seed(1)
        other = TextEmotionNet(50, emb_dim=8, channels=4, turn_dim=6, hidden=5).eval()
        ens = TextEnsemble([self.model, other]).eval()
        ids, same = self.data.window_tensors([0, 1, 2, 3])
        with torch.no_grad():
            a, b, e = self.model(ids, same), other(ids, same), ens(ids, same)
        for x, y, z in zip(a, b, e):
            self.assertTrue(torch.allclose((x + y) / 2, z, atol=1e-6))
            self.assertFalse(torch.allclose(x, z, atol=1e-4))
        ex, outs = predict(ens, self.data, np.arange(4))
        self.assertEqual(list(ex), [0, 1, 2, 3])
        for o, z in zip(outs, e):
            self.assertTrue(np.allclose(o, z.numpy(), atol=1e-5))

    def test_partial_label_loss_is_zero_for_the_full_set_and_positive_otherwise(self):
        logits = torch.randn(4, 7)
        zeros = [torch.zeros(4, n) for n in (3, 7, 4)]
        weight = np.ones(4, dtype=np.float32)
        self.data.sentiment[:] = -1
        full = losses((logits, *zeros), self.data, [2], weight)
        self.assertAlmostEqual(full.item(), 0.0, places=5)
        single = losses((logits, *zeros), self.data, [0], weight)
        self.assertGreater(single.item(), 0.0)

    def test_class_weights_lower_the_frequent_class_within_a_corpus(self):
        # MELD train examples 0 and 1 are single-label classes 0 and 1; add a third of class 0
        self.data.emotion_sets[2] = False
        self.data.emotion_sets[2, 0] = True
        cw = np.array([2, 1, 1, 1, 1, 1], dtype=np.float32)
        w0 = example_weights(self.data, np.arange(3), cw, 0.0)
        self.assertEqual(list(w0), [2, 2, 2, 1])  # corpus weights only
        w1 = example_weights(self.data, np.arange(3), cw, 1.0)
        # N=3, C=2: class 0 (2 examples) → 3/4, class 1 (1 example) → 3/2, times the corpus weight 2
        self.assertTrue(np.allclose(w1[:3], [1.5, 3.0, 1.5]))
        self.assertAlmostEqual(float(w1[3]), 1.0)  # GoEmotions example: its corpus has no training examples

    def test_batches_keep_dialogues_whole(self):
        rng = np.random.default_rng(0)
        batches = list(self.data.batches(np.arange(4), 2, rng))
        for b in batches:
            self.assertEqual(len(set(self.data.dialogue[b])), len(set(self.data.dialogue[b])))
        self.assertEqual(sorted(sum(batches, [])), [0, 1, 2, 3])
        self.assertTrue(any(sorted(b) == [0, 1, 2] for b in batches))


class MetricsTest(unittest.TestCase):
    def test_weighted_f1(self):
        self.assertAlmostEqual(weighted_f1([0, 0, 1, 1], [0, 0, 0, 1], 2), (0.8 * 2 + 2 / 3 * 2) / 4)

    def test_micro_f1_subset_excludes_the_other_class(self):
        self.assertAlmostEqual(micro_f1_subset([1, 0, 2, 0], [1, 2, 0, 0], (1, 2)), 0.5)

    def test_multilabel(self):
        pred = multilabel_prediction(np.array([[0.35, 0.2, 0.45]]), 0.3)
        self.assertEqual(pred.tolist(), [[True, False, True]])
        self.assertAlmostEqual(macro_f1_multilabel([[1, 0], [0, 1]], [[1, 1], [0, 1]], 2), (1 + 2 / 3) / 2)


if __name__ == "__main__":
    unittest.main()
