/**
 * Runs the Python training code's unit tests (training/<modality>/test_*.py) with the Debian
 * Python that has torch and onnx, one Deno test step per Python test.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const PYTHON = Deno.env.get("AFFECTSTREAM_PYTHON") ?? "/usr/bin/python3";
const TRAINING = fileURLToPath(new URL(".", import.meta.url));

Deno.test("python training tests", { sanitizeOps: false, sanitizeResources: false }, async (t) => {
  const out = await new Deno.Command(PYTHON, {
    args: ["-m", "unittest", "discover", "-s", TRAINING, "-p", "test_*.py", "-v"],
    cwd: `${TRAINING}..`,
    stdout: "piped",
    stderr: "piped",
    env: { PYTHONDONTWRITEBYTECODE: "1", OMP_NUM_THREADS: "1" },
  }).output();
  const log = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
  const results = [...log.matchAll(/^(test\w+) \(([\w.]+)\)(?:\n.*?)? \.\.\. (ok|FAIL|ERROR|skipped.*)$/gm)];
  assert.ok(results.length > 0, `no Python test ran:\n${log.slice(-2000)}`);
  for (const [, name, where, status] of results) {
    await t.step(where.endsWith(name) ? where : `${where}.${name}`, () => {
      assert.ok(status === "ok" || status.startsWith("skipped"), `${status}\n${log.slice(-3000)}`);
    });
  }
  assert.equal(out.code, 0, log.slice(-3000));
});
