/**
 * Scheduling priority of the calling thread. The voice workers run below the socket thread and
 * the VAD worker: when the cores are busy, segmentation (what `utterance.end` waits for) goes
 * first and feature extraction, which has a buffer of its own, takes what is left. Linux only
 * (a thread's id from /proc/thread-self; `setpriority` on a thread id changes only that thread);
 * elsewhere, or when the system refuses, nothing changes.
 */
import os from "node:os";

/** Nice value of the voice workers' threads (0 is the default, 19 the lowest priority). */
export const VOICE_WORKER_NICE = 10;

/** Id of the calling thread, or undefined where the system does not tell it. */
export function threadId(): number | undefined {
  try {
    const tid = Number(Deno.readLinkSync("/proc/thread-self").split("/").pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sets the calling thread's nice value (only lowering priority needs no privilege). Returns
 * whether it took effect. Never call it on a process's main thread: its id is the process id,
 * and the call would then reach the whole process.
 */
export function setThreadNice(nice: number): boolean {
  const tid = threadId();
  if (tid === undefined || tid === Deno.pid) return false;
  try {
    os.setPriority(tid, nice);
    return os.getPriority(tid) === nice;
  } catch {
    return false;
  }
}
