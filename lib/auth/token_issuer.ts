/**
 * Mints and verifies HS256 JWTs (hono/jwt) and one-time login tokens. The signing key is
 * HMAC-SHA256(admin key, "affectstream/jwt/v1"), so every instance given the same admin key
 * accepts the others' tokens, and the admin key itself never travels inside a token.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { sign, verify } from "hono/jwt";
import { encodeBase64Url } from "./base64url.ts";
import { ANY_SESSION, type Grant, type Role } from "./grant.ts";

/** Default lifetime of a minted session token, in seconds. */
export const DEFAULT_TOKEN_TTL_S = 3600;
/** Longest lifetime of a minted session token, in seconds. */
export const MAX_TOKEN_TTL_S = 86_400;
/** Lifetime of the admin JWT a login gives, in seconds (12 h). */
export const ADMIN_SESSION_TTL_S = 12 * 3600;
/** Lifetime of a one-time login token, in ms (24 h). */
export const LOGIN_TOKEN_TTL_MS = 24 * 3600 * 1000;

/** What a caller asks a token for. */
export interface TokenRequest {
  sessionId: string;
  role: Role;
  participantId?: string;
  consent?: boolean;
  name?: string;
  /** Lifetime in seconds. Default DEFAULT_TOKEN_TTL_S, at most MAX_TOKEN_TTL_S (admin: ADMIN_SESSION_TTL_S). */
  ttlS?: number;
}

/** A minted token. */
export interface MintedToken {
  token: string;
  /** ISO 8601. */
  expiresAt: string;
  grant: Grant;
}

/** Why a token was refused (→ 401). */
export class AuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuthError";
  }
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/** The server's token authority. */
export class TokenIssuer {
  readonly #secret: string;
  readonly #adminKeyDigest: Uint8Array;
  #logins = new Map<string, number>();
  #now: () => number;

  constructor(adminKey: string, now: () => number = Date.now) {
    this.#secret = createHmac("sha256", adminKey).update("affectstream/jwt/v1").digest("hex");
    this.#adminKeyDigest = digest(adminKey);
    this.#now = now;
  }

  /** Mints a signed token. Throws RangeError for a request outside the rules. */
  async mint(req: TokenRequest): Promise<MintedToken> {
    const maxTtl = req.role === "admin" ? ADMIN_SESSION_TTL_S : MAX_TOKEN_TTL_S;
    const ttlS = req.ttlS ?? (req.role === "admin" ? ADMIN_SESSION_TTL_S : DEFAULT_TOKEN_TTL_S);
    if (!Number.isFinite(ttlS) || ttlS <= 0 || ttlS > maxTtl) throw new RangeError(`ttlS must be in (0, ${maxTtl}]`);
    if (req.role === "ingest" && !req.participantId) throw new RangeError("an ingest token needs a participantId");
    const iat = Math.floor(this.#now() / 1000);
    const exp = iat + Math.ceil(ttlS);
    const jti = encodeBase64Url(crypto.getRandomValues(new Uint8Array(12)));
    const payload: Record<string, unknown> = { sid: req.role === "admin" ? ANY_SESSION : req.sessionId, role: req.role, iat, exp, jti };
    if (req.role === "ingest") payload.pid = req.participantId;
    if (req.consent !== undefined) payload.consent = req.consent;
    if (req.name !== undefined) payload.name = req.name;
    const token = await sign(payload, this.#secret, "HS256");
    return { token, expiresAt: new Date(exp * 1000).toISOString(), grant: toGrant(payload) };
  }

  /** Whether `candidate` is the admin key (constant time). */
  isAdminKey(candidate: string): boolean {
    return timingSafeEqual(digest(candidate), this.#adminKeyDigest);
  }

  /** Verifies the admin key or a JWT; throws AuthError when neither. */
  async verify(token: string): Promise<Grant> {
    if (!token) throw new AuthError("no token");
    if (this.isAdminKey(token)) return { sessionId: ANY_SESSION, role: "admin", expiresAtMs: Infinity, jti: "admin-key" };
    let payload: Record<string, unknown>;
    try {
      payload = await verify(token, this.#secret, "HS256") as Record<string, unknown>;
    } catch (err) {
      const name = (err as Error).name;
      throw new AuthError(name === "JwtTokenExpired" ? "token expired" : "invalid token");
    }
    if (typeof payload.exp !== "number") throw new AuthError("token has no expiry");
    const g = toGrant(payload);
    if (g.expiresAtMs <= this.#now()) throw new AuthError("token expired");
    return g;
  }

  /** A new one-time login token (valid LOGIN_TOKEN_TTL_MS, held by this process only). */
  createLoginToken(): string {
    const t = encodeBase64Url(crypto.getRandomValues(new Uint8Array(24)));
    const now = this.#now();
    for (const [k, exp] of this.#logins) if (exp <= now) this.#logins.delete(k);
    this.#logins.set(t, now + LOGIN_TOKEN_TTL_MS);
    return t;
  }

  /**
   * Exchanges a login token (once) or the admin key for an admin JWT of ADMIN_SESSION_TTL_S.
   * Throws AuthError for anything else, including a login token's second use.
   */
  async login(token: string): Promise<MintedToken> {
    const exp = this.#logins.get(token);
    if (exp !== undefined) this.#logins.delete(token);
    const ok = (exp !== undefined && exp > this.#now()) || (token.length > 0 && this.isAdminKey(token));
    if (!ok) throw new AuthError("unknown, used or expired login token");
    return await this.mint({ sessionId: ANY_SESSION, role: "admin" });
  }
}

function toGrant(p: Record<string, unknown>): Grant {
  const role = p.role;
  if (role !== "admin" && role !== "ingest" && role !== "view") throw new AuthError("token has no valid role");
  if (typeof p.sid !== "string" || !p.sid) throw new AuthError("token has no session");
  if (role === "ingest" && typeof p.pid !== "string") throw new AuthError("ingest token has no participant");
  const g: Grant = {
    sessionId: p.sid,
    role,
    expiresAtMs: typeof p.exp === "number" ? p.exp * 1000 : Infinity,
    jti: typeof p.jti === "string" ? p.jti : "",
  };
  if (typeof p.pid === "string") g.participantId = p.pid;
  if (typeof p.consent === "boolean") g.consent = p.consent;
  if (typeof p.name === "string") g.name = p.name;
  return g;
}
