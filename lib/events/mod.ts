/** A session's ordered event history with fan-out, and its optional on-disk journal. */
export * from "./event_log.ts";
export * from "./event_journal.ts";
