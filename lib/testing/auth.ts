/**
 * Test helpers for the access rules: tokens minted through the server's own issuer, sessions
 * created as an admin would, URLs with `?token=`, and a raw HTTP/1.1 client for requests a
 * browser or fetch would not send (foreign Host or Origin headers, broken WebSocket handshakes).
 */
import type { TokenRequest } from "../auth/token_issuer.ts";
import type { RunningServer } from "../server.ts";

/** What the helpers need of a running server. */
export type AuthServer = Pick<RunningServer, "port" | "issuer" | "adminKey">;

/** The server's admin key (accepted everywhere as a token). */
export function adminKey(server: AuthServer): string {
  return server.adminKey;
}

/** Mints a scoped token through the server's issuer (same as `POST /v1/tokens`). */
export async function mintToken(server: AuthServer, req: TokenRequest): Promise<string> {
  return (await server.issuer.mint(req)).token;
}

/** An ingest token with consent for one participant. */
export function ingestToken(server: AuthServer, sessionId: string, participantId: string): Promise<string> {
  return mintToken(server, { sessionId, role: "ingest", participantId, consent: true });
}

/** `url` with `?token=` (or `&token=`) appended. */
export function withToken(url: string, token: string): string {
  return `${url}${url.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`;
}

/** Creates a session through `POST /v1/sessions` with the admin key. */
export async function createSession(server: AuthServer, sessionId: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${server.port}/v1/sessions`, {
    method: "POST",
    headers: { authorization: `Bearer ${server.adminKey}`, "content-type": "application/json" },
    body: JSON.stringify({ sessionId }),
  });
  await res.body?.cancel();
  if (res.status !== 201 && res.status !== 200) throw new Error(`POST /v1/sessions answered ${res.status}`);
}

/** A raw HTTP/1.1 response: status, lower-cased headers and the first bytes of the body. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends one raw HTTP/1.1 request (`headers` as given, nothing added but Host when absent) and
 * reads the response head and what follows within `waitMs`.
 */
export async function rawRequest(
  port: number,
  path: string,
  headers: Record<string, string>,
  opts: { method?: string; waitMs?: number } = {},
): Promise<RawResponse> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const all = { host: `127.0.0.1:${port}`, ...headers };
    const head = `${opts.method ?? "GET"} ${path} HTTP/1.1\r\n` +
      Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join("") + "\r\n";
    await conn.write(new TextEncoder().encode(head));
    const chunks: Uint8Array[] = [];
    const deadline = Date.now() + (opts.waitMs ?? 2000);
    const buf = new Uint8Array(16384);
    let text = "";
    while (Date.now() < deadline) {
      const n = await Promise.race([
        conn.read(buf),
        new Promise<null | "t">((r) => setTimeout(() => r("t"), Math.max(1, deadline - Date.now()))),
      ]);
      if (n === "t" || n === null) break;
      chunks.push(buf.slice(0, n));
      text = new TextDecoder().decode(concat(chunks));
      const end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        const len = /content-length:\s*(\d+)/i.exec(text.slice(0, end));
        if (len && text.length - end - 4 >= Number(len[1])) break;
        if (/^HTTP\/1\.1 101/.test(text)) break;
      }
    }
    const end = text.indexOf("\r\n\r\n");
    const [statusLine, ...lines] = text.slice(0, end < 0 ? text.length : end).split("\r\n");
    const hdrs: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf(":");
      if (i > 0) hdrs[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    return { status: Number(statusLine.split(" ")[1] ?? 0), headers: hdrs, body: end < 0 ? "" : text.slice(end + 4) };
  } finally {
    try {
      conn.close();
    } catch {
      // already closed by the server
    }
  }
}

/** Headers of a valid WebSocket handshake. */
export const WS_HEADERS: Readonly<Record<string, string>> = {
  upgrade: "websocket",
  connection: "Upgrade",
  "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
  "sec-websocket-version": "13",
};

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
