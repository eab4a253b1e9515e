/**
 * Access control at the edge: the admin key, signed scoped tokens (HS256 JWT) turned into typed
 * grants, Hono middleware that routes compose (`requireAdmin`, `requireSession`), and the
 * Host / Origin / security-header guards. The core never sees a token.
 */
export * from "./admin_key.ts";
export * from "./grant.ts";
export * from "./token_issuer.ts";
export * from "./middleware.ts";
export * from "./request_guard.ts";
