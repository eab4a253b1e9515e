import assert from "node:assert/strict";
import { startModuleWorker } from "../inference/web_worker.ts";
import { setThreadNice, threadId } from "./thread_priority.ts";

/** Nice value of one thread of this process, from /proc (field 19 of its stat line). */
function niceOf(tid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${Deno.pid}/task/${tid}/stat`);
  return Number(stat.slice(stat.lastIndexOf(") ") + 2).split(" ")[16]);
}

const linux = Deno.build.os === "linux";

Deno.test({
  name: "thread priority: a worker lowers its own thread only",
  ignore: !linux,
  fn: async () => {
    const self = threadId()!;
    assert.ok(self > 0);
    const before = niceOf(self), processBefore = niceOf(Deno.pid);
    const url = URL.createObjectURL(
      new Blob([
        `import { setThreadNice, threadId } from ${
          JSON.stringify(new URL("./thread_priority.ts", import.meta.url).href)
        };
         self.postMessage({ tid: threadId(), ok: setThreadNice(7) });`,
      ], { type: "application/javascript" }),
    );
    const worker = startModuleWorker(new URL(url));
    try {
      const { tid, ok } = await new Promise<{ tid: number; ok: boolean }>((resolve) => {
        worker.onmessage = (e) => resolve(e.data);
      });
      assert.ok(ok);
      assert.notEqual(tid, Deno.pid);
      assert.equal(niceOf(tid), 7);
      assert.equal(niceOf(self), before, "the calling thread keeps its priority");
      assert.equal(niceOf(Deno.pid), processBefore, "so does the process's main thread");
    } finally {
      worker.terminate();
      URL.revokeObjectURL(url);
    }
  },
});
