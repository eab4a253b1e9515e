/**
 * Samples the CPU profile of a Deno process started with `--inspect=HOST:PORT` through the V8
 * inspector protocol (Profiler domain) and summarises where its main thread spends time: self
 * time by function and by file, as fractions of the sampled time. Used by the server load
 * benchmark (`BENCH_PROFILE=1`) to say where time goes before optimising.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Self time of one function or file: sampled ms and share of the profile. */
export interface ProfileEntry {
  name: string;
  ms: number;
  share: number;
}

/** The summary of one profile. */
export interface ProfileSummary {
  sampledMs: number;
  /** Share of samples not idle (the thread was running JavaScript or native code on its behalf). */
  busyShare: number;
  topFunctions: ProfileEntry[];
  topFiles: ProfileEntry[];
}

async function inspectorUrl(inspect: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    try {
      const list = await (await fetch(`http://${inspect}/json/list`)).json();
      if (list[0]?.webSocketDebuggerUrl) return list[0].webSocketDebuggerUrl;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no inspector at ${inspect}`);
}

/** Profiles the process behind `inspect` (host:port) for `ms` milliseconds. */
export async function sampleProfile(inspect: string, ms: number, intervalUs = 500): Promise<CpuProfile> {
  const ws = new WebSocket(await inspectorUrl(inspect));
  await new Promise((r, j) => (ws.onopen = r, ws.onerror = j));
  let id = 0;
  const waiting = new Map<number, (v: unknown) => void>();
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.id !== undefined) waiting.get(m.id)?.(m.result);
  };
  const call = (method: string, params: unknown = {}) =>
    new Promise<unknown>((resolve) => {
      const n = ++id;
      waiting.set(n, resolve);
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  await call("Profiler.enable");
  await call("Profiler.setSamplingInterval", { interval: intervalUs });
  await call("Profiler.start");
  await new Promise((r) => setTimeout(r, ms));
  const res = await call("Profiler.stop") as { profile: CpuProfile };
  ws.close();
  return res.profile;
}

function shortUrl(url: string): string {
  if (!url) return "(native)";
  const i = url.indexOf("/lib/");
  if (i >= 0) return url.slice(i + 1);
  const n = url.indexOf("node_modules/");
  if (n >= 0) return url.slice(n);
  return url.replace(/^file:\/\/.*\//, "");
}

/** Self time by function and by file; idle and GC are named as V8 names them. */
export function summarise(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMs = new Map<number, number>();
  profile.samples.forEach((s, i) => selfMs.set(s, (selfMs.get(s) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const total = [...selfMs.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  let idle = 0;
  for (const [nid, ms] of selfMs) {
    const f = byId.get(nid)!.callFrame;
    if (f.functionName === "(idle)") idle += ms;
    const where = shortUrl(f.url);
    const key = `${f.functionName || "(anonymous)"} ${where}${f.url ? ":" + (f.lineNumber + 1) : ""}`;
    fn.set(key, (fn.get(key) ?? 0) + ms);
    file.set(where, (file.get(where) ?? 0) + ms);
  }
  const entries = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, ms]) => ({
      name,
      ms: Math.round(ms),
      share: Math.round(ms / total * 1000) / 1000,
    }));
  return {
    sampledMs: Math.round(total),
    busyShare: Math.round((1 - idle / total) * 1000) / 1000,
    topFunctions: entries(fn),
    topFiles: entries(file),
  };
}
