"""The committed models/silero_vad_v5_16k.onnx is what batched_silero.py makes from the npm package's model."""
import os
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import batched_silero as bs  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SOURCE = os.path.join(ROOT, "node_modules", "@ricky0123", "vad-web", "dist", "silero_vad_v5.onnx")
COMMITTED = os.path.join(ROOT, "models", "silero_vad_v5_16k.onnx")


class BatchedSileroTest(unittest.TestCase):
    @unittest.skipUnless(os.path.exists(SOURCE), "npm install has not run (no source model)")
    def test_committed_model_is_reproduced_byte_for_byte(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "vad.onnx")
            sys.argv = ["batched_silero.py", "--source", SOURCE, "--out", out]
            bs.main()
            with open(out, "rb") as a, open(COMMITTED, "rb") as b:
                self.assertEqual(a.read(), b.read(), "models/silero_vad_v5_16k.onnx is stale: rerun the script")

    def test_convolution_matrix_matches_a_direct_convolution(self):
        rng = np.random.default_rng(0)
        for t_in, stride in [(4, 1), (4, 2), (2, 2), (1, 1)]:
            w = rng.standard_normal((5, 3, 3)).astype(np.float32)
            x = rng.standard_normal((t_in, 3)).astype(np.float32)  # time, channel
            m, t_out = bs.conv_as_matrix(w, t_in, stride)
            got = (x.reshape(-1) @ m).reshape(t_out, 5)
            padded = np.concatenate([np.zeros((1, 3)), x, np.zeros((1, 3))])
            want = np.stack([sum(w[:, :, k] @ padded[to * stride + k] for k in range(3)) for to in range(t_out)])
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


if __name__ == "__main__":
    unittest.main()
