/**
 * Edge checks before any route: the Host header when bound to loopback (DNS rebinding), the
 * Origin of WebSocket upgrades and state-changing requests (a web page the user visits cannot
 * drive the server), and the security headers (CSP, nosniff, frame-ancestors).
 */
import type { Context, MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";

/** Host names a loopback-bound server answers to. */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Whether a bind address is loopback-only. */
export function isLoopbackBind(host: string): boolean {
  return host === "127.0.0.1" || host === "localhost" || host === "::1" || host === "[::1]" || host.startsWith("127.");
}

/** The host name of a Host header, without the port. */
export function hostName(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const colon = h.lastIndexOf(":");
  return colon >= 0 ? h.slice(0, colon) : h;
}

/** Refuses requests whose Host is not a loopback name (403 `{"error":"forbidden"}`). */
export function loopbackHostGuard(): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header("host");
    if (!host || !LOOPBACK_HOSTS.has(hostName(host))) return c.json({ error: "forbidden" }, 403);
    await next();
  };
}

/** Parses `--allow-origin` values (repeatable, each possibly a comma list) into normalised origins. */
export function parseAllowedOrigins(values: string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    for (const part of v.split(",").map((s) => s.trim()).filter(Boolean)) {
      let u: URL;
      try {
        u = new URL(part);
      } catch {
        throw new Error(`--allow-origin: not an origin: ${part}`);
      }
      if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error(`--allow-origin: not http(s): ${part}`);
      out.push(u.origin);
    }
  }
  return out;
}

/** Whether `origin` may use the server reached through `hostHeader`. */
export function originAllowed(origin: string, hostHeader: string | undefined, allowed: readonly string[]): boolean {
  let o: string;
  try {
    o = new URL(origin).origin;
  } catch {
    return false;
  }
  if (allowed.includes(o)) return true;
  if (!hostHeader) return false;
  const host = hostHeader.toLowerCase();
  // The server's own origin, directly or behind a TLS-terminating proxy.
  return o === `http://${host}` || o === `https://${host}`;
}

/**
 * Refuses (403) WebSocket upgrades and non-GET requests whose Origin is neither the server's
 * own nor allowed. Requests with no Origin (bots, curl) pass: they still need a token.
 */
export function originGuard(allowed: readonly string[]): MiddlewareHandler {
  return async (c, next) => {
    const origin = c.req.header("origin");
    const guarded = c.req.header("upgrade")?.toLowerCase() === "websocket" ||
      !["GET", "HEAD", "OPTIONS"].includes(c.req.method);
    if (origin && guarded && !originAllowed(origin, c.req.header("host"), allowed)) {
      return c.json({ error: "forbidden", message: "origin not allowed" }, 403);
    }
    await next();
  };
}

/** Options for {@linkcode securityHeaders}. */
export interface SecurityHeaderOptions {
  /** Extra origins the page may fetch from (e.g. the face model's redirect target). */
  connectOrigins?: string[];
}

/**
 * hono secure-headers with the dashboard's CSP: scripts, workers and wasm from this origin only
 * ('wasm-unsafe-eval' lets MediaPipe compile its wasm; no eval of strings), WebSockets to the
 * page's own host, no framing, nosniff.
 */
export function securityHeaders(options: SecurityHeaderOptions = {}): MiddlewareHandler {
  const wsSelf = (c: Context) => {
    const host = c.req.header("host");
    return host && /^[A-Za-z0-9.:\[\]-]+$/.test(host) ? `ws://${host} wss://${host}` : "";
  };
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
      workerSrc: ["'self'", "blob:"],
      connectSrc: ["'self'", wsSelf, ...(options.connectOrigins ?? [])],
      imgSrc: ["'self'", "data:", "blob:"],
      mediaSrc: ["'self'", "blob:"],
      styleSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
    xContentTypeOptions: true,
    xFrameOptions: "DENY",
    referrerPolicy: "no-referrer",
    crossOriginResourcePolicy: "same-origin",
    crossOriginOpenerPolicy: "same-origin",
  });
}
