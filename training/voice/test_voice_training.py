"""Unit tests of the voice training pieces (run: /usr/bin/python3 -m unittest discover -s training -p 'test_*.py')."""
import os
import sys
import tempfile
import unittest

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import voice_training as vt  # noqa: E402


class NormalisationTest(unittest.TestCase):
    def test_shrinkage_formula_matches_the_live_normaliser(self):
        prior_m, prior_v = np.array([10.0, 0.0]), np.array([4.0, 1.0])
        m, v = vt.shrunk_stats(np.array([[20.0, 1.0], [22.0, 3.0]]), prior_m, prior_v, 2.0)
        # same numbers as lib/voice/speaker_normalizer_test.ts
        self.assertAlmostEqual(m[0], 15.5)
        self.assertAlmostEqual(v[0], 2.5)

    def test_no_utterances_gives_the_prior(self):
        m, v = vt.shrunk_stats(np.zeros((0, 2)), np.array([1.0, 2.0]), np.array([3.0, 4.0]), 5.0)
        np.testing.assert_array_equal(m, [1, 2])
        np.testing.assert_array_equal(v, [3, 4])

    def test_online_normalisation_never_uses_the_utterance_itself(self):
        X = np.array([[0.0], [100.0]])
        Z = vt.online_normalise(X, np.array(["a", "a"]), np.array([0.0]), np.array([1.0]), 1.0, seed=0)
        # the first utterance is normalised by the prior alone; the second by the first (k = 1):
        # order [0, 100] gives [0, +clip]; order [100, 0] gives [-clip, +clip]
        self.assertEqual(Z[1, 0], vt.CLIP_Z)
        self.assertIn(Z[0, 0], (0.0, -vt.CLIP_Z))


class CorpusWeightTest(unittest.TestCase):
    def test_power_one_gives_each_corpus_equal_total_weight(self):
        corpora = np.array(["ravdess"] * 9 + ["emodb"] * 3)
        w = vt.corpus_weights(corpora, 1.0)
        self.assertAlmostEqual(w[corpora == "ravdess"].sum(), w[corpora == "emodb"].sum())
        np.testing.assert_array_equal(vt.corpus_weights(corpora, 0.0), np.ones(12))


class FoldTest(unittest.TestCase):
    def test_every_speaker_in_exactly_one_fold_and_both_corpora_per_fold(self):
        speakers = np.array([f"ravdess:{i:02d}" for i in range(1, 19) for _ in range(3)] +
                            [f"emodb:{s}" for s in ["03", "08", "09", "10", "11", "12", "13", "14"] for _ in range(3)])
        folds = vt.speaker_folds(speakers, 6)
        for s in np.unique(speakers):
            self.assertEqual(len(np.unique(folds[speakers == s])), 1)
        for f in range(6):
            corp = {s.split(":")[0] for s in speakers[folds == f]}
            self.assertEqual(corp, {"ravdess", "emodb"})


class MetricTest(unittest.TestCase):
    def test_uar_is_the_mean_of_recalls_over_present_classes(self):
        y = np.array([0, 0, 0, 1])
        self.assertAlmostEqual(vt.uar(y, np.array([0, 0, 1, 1])), (2 / 3 + 1) / 2)
        self.assertAlmostEqual(vt.accuracy(y, np.array([0, 0, 1, 1])), 0.75)

    def test_ece_of_perfect_confident_predictions_is_zero_and_of_overconfident_is_large(self):
        y = np.array([0, 1, 2, 3])
        self.assertAlmostEqual(vt.ece(np.eye(7)[y], y), 0.0)
        self.assertGreater(vt.ece(np.eye(7)[[1, 2, 3, 0]], y), 0.9)

    def test_temperature_recovers_a_known_scale(self):
        rng = np.random.default_rng(0)
        true_logits = rng.normal(size=(4000, 7)) * 2
        y = np.array([rng.choice(7, p=p) for p in vt.softmax(true_logits)])
        t = vt.fit_temperature(true_logits * 3.0, y)  # over-confident by 3×
        self.assertAlmostEqual(t, 3.0, delta=0.3)


class ModelTest(unittest.TestCase):
    def test_ensemble_learns_a_separable_problem_and_exports_to_onnx(self):
        torch.set_num_threads(1)
        rng = np.random.default_rng(1)
        y = np.repeat(np.arange(7), 30)
        X = rng.normal(size=(len(y), 5)) * 0.3 + np.eye(7)[y][:, :5] * 3
        hp = dict(hidden=32, dropout=0.1, lr=1e-2, weight_decay=1e-3, epochs=150, noise=0.05)
        model = vt.train_ensemble(X, y, hp, [0, 1])
        pred = vt.predict_logits(model, X).argmax(1)
        self.assertGreater(vt.accuracy(y[y < 5], pred[y < 5]), 0.9)
        import onnx
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.onnx")
            torch.onnx.export(model, torch.zeros(1, 5), path, input_names=["features"], output_names=["logits"],
                              dynamic_axes={"features": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)
            m = onnx.load(path)
            onnx.checker.check_model(m)
            self.assertEqual([i.name for i in m.graph.input], ["features"])
            self.assertEqual([o.name for o in m.graph.output], ["logits"])


if __name__ == "__main__":
    unittest.main()
