/**
 * `deno task train:voice [DATA_DIR] [--cache DIR] [--python PATH]`: refreshes the voice
 * feature cache with the live TypeScript feature code, then runs training/voice/train.py
 * (Debian's /usr/bin/python3 with PyTorch), which validates, calibrates and exports
 * models/voice_emotion.* and the ONNX parity fixture.
 */
import { buildFeatureCache } from "./feature_cache.ts";
import { parseFeatureArgs } from "./features.ts";
import { ProgressBar } from "./progress_bar.ts";

if (import.meta.main) {
  const args = [...Deno.args];
  let python = "/usr/bin/python3";
  const pi = args.indexOf("--python");
  if (pi >= 0) python = args.splice(pi, 2)[1];
  const { dataDir, cacheDir } = parseFeatureArgs(args);
  const bar = new ProgressBar("voice features");
  const cacheFile = await buildFeatureCache({ dataDir, cacheDir, onProgress: (d, t) => bar.update(d, t) });
  bar.done();
  const root = new URL("../../", import.meta.url).pathname;
  const cmd = new Deno.Command(python, {
    args: [
      "training/voice/train.py",
      "--cache",
      cacheFile,
      "--out",
      "models",
      "--fixture",
      "lib/voice/testdata/voice_parity.json",
    ],
    cwd: root,
    env: { OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" },
    stdout: "inherit",
    stderr: "inherit",
  });
  const status = await cmd.spawn().status;
  if (!status.success) {
    console.error(`train.py failed with exit code ${status.code}`);
    Deno.exit(status.code || 1);
  }
}
