/** Structured JSON-lines logging without personal data. */
export * from "./logger.ts";
