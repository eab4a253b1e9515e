/** A session's ordered event log: committed to the store before anyone receives it, read by pull. */
export * from "./event_log.ts";
