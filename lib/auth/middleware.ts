/**
 * Hono middleware over {@linkcode TokenIssuer}: takes the token from `Authorization: Bearer` or
 * `?token=` (browsers cannot set headers on a WebSocket), verifies it, puts the typed grant on
 * the context, and refuses with 401 (no, bad or expired token) or 403 (valid, out of scope)
 * before any route (or WebSocket upgrade) runs.
 */
import type { Context, MiddlewareHandler } from "hono";
import { canIngest, canView, type Grant, isAdmin } from "./grant.ts";
import { AuthError, type TokenIssuer } from "./token_issuer.ts";

/** Hono env of routes behind these middlewares. */
export type AuthEnv = { Variables: { grant: Grant } };

/** The token a request carries, if any. */
export function tokenFrom(c: Context): string | undefined {
  const h = c.req.header("authorization");
  if (h) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    return m ? m[1] : "";
  }
  return c.req.query("token") || undefined;
}

/** A 401 response in the protocol's shape. */
export function unauthorized(c: Context, message: string): Response {
  return c.json({ error: "unauthorized", message }, 401, { "www-authenticate": 'Bearer realm="affectstream"' });
}

/** A 403 response in the protocol's shape. */
export function forbidden(c: Context, message: string): Response {
  return c.json({ error: "forbidden", message }, 403);
}

/** Verifies the request's token, or answers 401. */
export async function grantOf(issuer: TokenIssuer, c: Context): Promise<Grant | Response> {
  const token = tokenFrom(c);
  if (!token) return unauthorized(c, "a token is required (Authorization: Bearer <token> or ?token=<token>)");
  try {
    return await issuer.verify(token);
  } catch (err) {
    return unauthorized(c, err instanceof AuthError ? err.message : "invalid token");
  }
}

/**
 * Requires a valid token whose grant passes `allowed` (default: any valid token); sets
 * `c.var.grant`. `why` names what was out of scope in the 403.
 */
export function requireGrant(
  issuer: TokenIssuer,
  allowed: (g: Grant, c: Context) => boolean = () => true,
  why = "this token does not allow that",
): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const g = await grantOf(issuer, c);
    if (g instanceof Response) return g;
    if (!allowed(g, c)) return forbidden(c, why);
    c.set("grant", g);
    await next();
  };
}

/** Requires the admin key or an admin JWT. */
export function requireAdmin(issuer: TokenIssuer): MiddlewareHandler<AuthEnv> {
  return requireGrant(issuer, isAdmin, "this needs the admin key or an admin token");
}

/**
 * Requires a grant on the route's `:sessionId`: `"view"` accepts view and ingest tokens of the
 * session, `"ingest"` an ingest token of the session and the route's `:participantId`; admin
 * passes both.
 */
export function requireSession(issuer: TokenIssuer, role: "view" | "ingest"): MiddlewareHandler<AuthEnv> {
  return requireGrant(
    issuer,
    (g, c) => {
      const sid = c.req.param("sessionId") ?? "";
      return role === "view" ? canView(g, sid) : canIngest(g, sid, c.req.param("participantId") ?? "");
    },
    role === "view"
      ? "this token is not for this session"
      : "this token does not allow streaming as this participant in this session",
  );
}
