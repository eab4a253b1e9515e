"""Unit tests of the face training pieces: calibration maths, mirroring, the exported network."""
import os
import sys
import unittest

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from face_calibration import ece, fit_temperature, softmax  # noqa: E402
from face_model import FaceMlp, standardisation  # noqa: E402
from face_mirror import BLENDSHAPE_NAMES, blendshape_permutation, mirror_features, mirror_permutation  # noqa: E402


class CalibrationTest(unittest.TestCase):
    def test_ece_is_zero_for_confident_correct_and_large_for_confident_wrong(self):
        probs = np.eye(7)[[0, 1, 2, 3]] * 0.999 + 0.001 / 7
        self.assertLess(ece(probs, np.array([0, 1, 2, 3])), 0.01)
        self.assertGreater(ece(probs, np.array([1, 2, 3, 4])), 0.95)

    def test_temperature_recovers_the_scale_of_overconfident_logits(self):
        rng = np.random.default_rng(0)
        true_logits = rng.normal(size=(4000, 7)) * 2
        labels = np.array([rng.choice(7, p=p) for p in softmax(true_logits)])
        t = fit_temperature(true_logits * 3, labels)
        self.assertAlmostEqual(t, 3.0, delta=0.3)
        self.assertLess(ece(softmax(true_logits * 3, t), labels), ece(softmax(true_logits * 3), labels))


class MirrorTest(unittest.TestCase):
    def test_blendshape_partners_swap_left_and_right(self):
        perm = blendshape_permutation()
        self.assertEqual(BLENDSHAPE_NAMES[perm[BLENDSHAPE_NAMES.index("mouthSmileLeft")]], "mouthSmileRight")
        self.assertEqual(BLENDSHAPE_NAMES[perm[BLENDSHAPE_NAMES.index("jawOpen")]], "jawOpen")
        self.assertTrue((perm[perm] == np.arange(52)).all())

    def test_mirroring_a_symmetric_shape_twice_is_identity(self):
        rng = np.random.default_rng(1)
        half = rng.normal(size=(10, 2)) + np.array([2.0, 0.0])
        pts = np.concatenate([half, half * np.array([-1.0, 1.0]), [[0.0, 1.0]]])
        x = np.concatenate([rng.random((5, 55)), np.tile(pts.reshape(1, -1), (5, 1))], axis=1).astype(np.float32)
        m = mirror_permutation(x)
        self.assertEqual(m["points"][0], 10)
        np.testing.assert_allclose(mirror_features(mirror_features(x, m), m), x, atol=1e-6)
        np.testing.assert_allclose(mirror_features(x, m)[:, 55:], x[:, 55:], atol=1e-6)


class FaceMlpTest(unittest.TestCase):
    def test_standardisation_is_part_of_the_network(self):
        x = np.random.default_rng(2).normal(5, 3, size=(100, 4)).astype(np.float32)
        mean, std = standardisation(x)
        model = FaceMlp(4, hidden=(8,), mean=mean, std=std).eval()
        shifted = FaceMlp(4, hidden=(8,)).eval()
        shifted.net.load_state_dict(model.net.state_dict())
        with torch.no_grad():
            a = model(torch.from_numpy(x))
            b = shifted(torch.from_numpy((x - mean) / std))
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-5)
        self.assertEqual(tuple(a.shape), (100, 7))


class DedupTest(unittest.TestCase):
    def test_identical_images_share_a_group_and_val_copies_are_found(self):
        from dedup_fer import group_ids, image_hashes, val_duplicates
        imgs = np.zeros((4, 2304), dtype=np.uint8)
        imgs[1, 0] = 1
        imgs[3, 0] = 1
        ids = group_ids(image_hashes(imgs))
        self.assertEqual(ids[1], ids[3])
        self.assertEqual(ids[0], ids[2])
        self.assertNotEqual(ids[0], ids[1])
        val = np.zeros((2, 2304), dtype=np.uint8)
        val[1, 5] = 9
        self.assertEqual(val_duplicates(image_hashes(imgs), image_hashes(val)), [0])

    def test_group_holdout_never_splits_a_group(self):
        from dedup_fer import copies_across, group_holdout
        rng = np.random.default_rng(3)
        groups = np.repeat(np.arange(300), rng.integers(1, 4, size=300))
        labels = groups % 7
        hold = group_holdout(labels, groups, 0.1, rng)
        self.assertEqual(copies_across(hold, groups), 0)
        self.assertAlmostEqual(hold.mean(), 0.1, delta=0.04)


class PixelCnnTest(unittest.TestCase):
    def test_brightness_offset_and_contrast_do_not_change_the_logits(self):
        from pixel_model import PixelCnn
        torch.manual_seed(0)
        model = PixelCnn().eval()
        x = torch.rand(3, 1, 48, 48) * 0.5 + 0.2
        with torch.no_grad():
            a, b = model(x), model(x * 1.2 + 0.05)
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-3)
        self.assertEqual(tuple(a.shape), (3, 7))
        self.assertLess(sum(p.numel() for p in model.parameters()), 1_500_000)

    def test_augmentation_keeps_shape_and_range(self):
        from pixel_model import augment
        x = torch.rand(8, 1, 48, 48)
        y = augment(x, torch.Generator().manual_seed(1))
        self.assertEqual(tuple(y.shape), (8, 1, 48, 48))
        self.assertGreaterEqual(float(y.min()), 0.0)
        self.assertLessEqual(float(y.max()), 1.0)

    def test_ensemble_is_the_mean_of_its_members_logits(self):
        from pixel_model import Ensemble, FlipAveraged, PixelCnn
        torch.manual_seed(0)
        a, b = PixelCnn().eval(), PixelCnn().eval()
        x = torch.rand(4, 1, 48, 48)
        with torch.no_grad():
            want = 0.5 * (a(x) + b(x))
            got = Ensemble([a, b]).eval()(x)
            flipped = FlipAveraged(Ensemble([a, b])).eval()(x)
            want_flipped = 0.25 * (a(x) + b(x) + a(x.flip(3)) + b(x.flip(3)))
        np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-6)
        np.testing.assert_allclose(flipped.numpy(), want_flipped.numpy(), atol=1e-6)

    def test_a_member_loads_with_its_best_weights_and_its_run(self):
        import tempfile
        from pixel_model import PixelCnn
        from train_pixel import load_member
        torch.manual_seed(0)
        last, best = PixelCnn(), PixelCnn()
        history = [{"epoch": 1, "carveOutAccuracy": 0.5}, {"epoch": 2, "carveOutAccuracy": 0.4}]
        state = {"epoch": 2, "best": (0.5, 1, best.state_dict()), "history": history, "trainS": 12.34}
        run = {"command": "train", "trainSeed": 11, "lr": 3e-3, "threads": 2, "init": None}
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "member.pt")
            torch.save({"epochs": 2, "model": last.state_dict(), "state": state, "run": run}, path)
            model, info = load_member(path)
        x = torch.rand(2, 1, 48, 48)
        with torch.no_grad():
            np.testing.assert_allclose(model(x).numpy(), best.eval()(x).numpy(), atol=1e-6)
        self.assertFalse(model.training)
        self.assertEqual((info["checkpoint"], info["trainSeed"], info["epochs"], info["bestEpoch"]),
                         ("member.pt", 11, 2, 1))
        self.assertEqual((info["carveOutAccuracy"], info["trainSeconds"], info["history"]), (0.5, 12.3, history))


if __name__ == "__main__":
    unittest.main()
