/**
 * `GET /v1/sessions/{sessionId}/export?format=jsonl|csv`: the session's stored timeline as a
 * download, streamed in pages from the log (never the whole history in memory).
 */
import type { EventLog } from "../events/event_log.ts";
import type { SessionEvent } from "../protocol/events.ts";

/** CSV columns; `event` holds the whole event as JSON. */
export const EXPORT_CSV_COLUMNS = [
  "seq",
  "wallMs",
  "type",
  "participantId",
  "utteranceId",
  "startMs",
  "endMs",
  "label",
  "confidence",
  "valence",
  "arousal",
  "text",
  "event",
] as const;

/** Events read per page. */
const PAGE = 500;

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return "";
  const s = typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v);
  // RFC 4180 quoting; a leading = + - @ is prefixed so spreadsheets do not run it as a formula.
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === "string" ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csvRow(e: SessionEvent): string {
  const r = e as unknown as Record<string, unknown>;
  return EXPORT_CSV_COLUMNS.map((c) => csvCell(c === "event" ? JSON.stringify(e) : r[c])).join(",") + "\r\n";
}

/** A streamed download of every event the log can still read, oldest first. */
export function exportTimeline(log: EventLog, sessionId: string, format: "jsonl" | "csv"): Response {
  const enc = new TextEncoder();
  let cursor = 0;
  let header = format === "csv";
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (header) {
        header = false;
        controller.enqueue(enc.encode(EXPORT_CSV_COLUMNS.join(",") + "\r\n"));
        return;
      }
      const page = await log.read(cursor, PAGE);
      if (page.length === 0) {
        controller.close();
        return;
      }
      cursor = page.at(-1)!.seq;
      controller.enqueue(enc.encode(page.map((e) => format === "csv" ? csvRow(e) : JSON.stringify(e) + "\n").join("")));
    },
  });
  return new Response(body, {
    headers: {
      "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="${sessionId}.${format}"`,
      "cache-control": "no-store",
    },
  });
}
