/**
 * The face pool itself (one headless Chromium page, shared by the tests of this file): a full
 * queue refuses frames with `overloaded` and counts them, and a pixel model's probabilities are
 * added to every face the way the browser adds them. The pixel model here is a fixture built at
 * test time (a linear map with seeded random weights, via python3-onnx): it checks the plumbing,
 * not a model.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { ProtocolError } from "../protocol/errors.ts";
import { DATA_DIR } from "../testing/data.ts";
import { ServerFaces } from "./server_faces.ts";

const MODELS = fileURLToPath(new URL("../../models/", import.meta.url));
const FIXTURE = `.server_faces_test_pixel_${Deno.pid}.onnx`;
const opts = { sanitizeOps: false, sanitizeResources: false };

const py = `
import numpy as np, onnx, sys
from onnx import helper, TensorProto, numpy_helper
rng = np.random.default_rng(0)
w = numpy_helper.from_array((rng.standard_normal((48 * 48, 7)) * 0.01).astype(np.float32), "w")
b = numpy_helper.from_array(np.zeros(7, np.float32), "b")
shape = numpy_helper.from_array(np.array([1, 48 * 48], np.int64), "shape")
g = helper.make_graph(
    [helper.make_node("Reshape", ["crop", "shape"], ["flat"]), helper.make_node("Gemm", ["flat", "w", "b"], ["logits"])],
    "pixel_fixture",
    [helper.make_tensor_value_info("crop", TensorProto.FLOAT, [1, 1, 48, 48])],
    [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 7])],
    [w, b, shape])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
m.ir_version = 7
onnx.save(m, sys.argv[1])
`;
const made = await new Deno.Command("/usr/bin/python3", { args: ["-c", py, `${MODELS}${FIXTURE}`], stderr: "piped" })
  .output();
assert.ok(made.success, new TextDecoder().decode(made.stderr));
const faces = new ServerFaces({
  modelPath: `${DATA_DIR}/models/face_landmarker.task`,
  maxQueue: 2,
  pixelModel: FIXTURE,
});
try {
  await faces.start();
} finally {
  await Deno.remove(`${MODELS}${FIXTURE}`); // loaded by the page by now; never left in models/
}
const multi = await Deno.readFile(`${DATA_DIR}/media/pyfeat_multi_face.jpg`);

Deno.test("with a pixel model every face carries pixelProbs, as the browser's frames do", opts, async () => {
  const m = await faces.measure(multi, 0);
  assert.equal(m.faces.length, 2);
  for (const f of m.faces) {
    const p = f.frame.pixelProbs!;
    assert.equal(p.length, 7);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-3);
  }
  assert.notDeepEqual(m.faces[0].frame.pixelProbs, m.faces[1].frame.pixelProbs, "each face its own crop");
});

Deno.test("a full queue refuses frames with overloaded and counts them; the rest are measured", opts, async () => {
  const before = faces.stats;
  const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => faces.measure(multi, i)));
  const refused = results.filter((r) => r.status === "rejected");
  assert.ok(refused.length >= 1, "some frames were refused");
  for (const r of refused) {
    const err = (r as PromiseRejectedResult).reason;
    assert.ok(err instanceof ProtocolError && err.code === "overloaded" && err.recoverable);
  }
  const after = faces.stats;
  assert.equal(after.dropped - before.dropped, refused.length);
  assert.equal(after.measured - before.measured, 12 - refused.length);
  assert.equal(after.queued, 0);
});

/** Chromium processes this test process started (descendants by ppid, from /proc). */
function chromiumDescendants(): number[] {
  const parent = new Map<number, { ppid: number; comm: string }>();
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      parent.set(Number(e.name), { ppid: Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]), comm });
    } catch { /* exited */ }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [c, v] of parent) if (v.ppid === p) (/chrom/i.test(v.comm) && out.push(c), walk(c));
  };
  walk(Deno.pid);
  return out;
}

Deno.test(
  "a crashed browser is replaced: its frames fail with model_error, later ones are measured",
  opts,
  async () => {
    const others = new Set(chromiumDescendants()); // the file's shared pool: not touched
    const pool = new ServerFaces({
      modelPath: `${DATA_DIR}/models/face_landmarker.task`,
      pixelModel: null,
      callTimeoutMs: 3000, // a killed browser may answer nothing: the call timeout replaces the page
    });
    try {
      await pool.start();
      assert.equal((await pool.measure(multi, 0)).faces.length, 2);
      const victims = chromiumDescendants().filter((p) => !others.has(p));
      assert.ok(victims.length > 0);
      for (const pid of victims) Deno.kill(pid, "SIGKILL");
      const lost = await pool.measure(multi, 1).then(() => null, (e) => e);
      assert.ok(lost instanceof ProtocolError && lost.code === "model_error" && lost.recoverable, String(lost));
      const again = await pool.measure(multi, 2);
      assert.equal(again.faces.length, 2);
      assert.equal(pool.stats.pagesStarted, 2);
      assert.equal(pool.stats.failed, 1);
      assert.equal((await faces.measure(multi, 0)).faces.length, 2, "the other pool was not touched");
    } finally {
      await pool.close();
    }
  },
);

Deno.test({
  name: "close",
  ...opts,
  fn: async () => {
    await faces.close();
    await assert.rejects(faces.measure(multi, 0), ProtocolError);
  },
});
