/**
 * What this page may do in a session, and the tokens for it. An operator (admin JWT from the
 * login URL) creates sessions, mints its own view and ingest tokens and invite links; a guest
 * (an invite link) holds one view token and one ingest token for one participant id and can mint
 * nothing. Sockets and routes get their token from here (`?token=` for WebSockets, a bearer header
 * for HTTP), so no other module handles credentials.
 */
import { api, ApiError } from "./api.js";
import { isUnexpired } from "./credentials.js";
import { randomSuffix } from "./ids.js";

/** Why a refused request was refused, in words. */
export function refusalText(err) {
  if (!(err instanceof ApiError)) return String(err?.message ?? err);
  switch (err.status) {
    case 401:
      return "the token is missing, invalid or expired (401 unauthorized)";
    case 403:
      return "this token does not give access here (403 forbidden)";
    case 404:
      return "the session does not exist on the server (404)";
    default:
      return err.message;
  }
}

/** The page's credentials and what they allow. */
export class Access {
  /**
   * @param {{role: "admin", token: string} | {role: "guest", grant: import("./credentials.js").JoinGrant}} who
   */
  constructor(who) {
    this.role = who.role;
    this.adminToken = who.role === "admin" ? who.token : undefined;
    this.grant = who.role === "guest" ? who.grant : undefined;
    /** @type {Map<string, {token: string, expiresAt?: string}>} minted tokens by role:session:participant */
    this.minted = new Map();
    /** Display name put into the tokens this page mints for itself (shown in viewer lists). */
    this.name = undefined;
  }

  /** Whether this page can create sessions, list them and invite others. */
  get isAdmin() {
    return this.role === "admin";
  }

  /** The session a guest was invited to; undefined for an operator. */
  get invitedSession() {
    return this.grant?.sessionId;
  }

  /** The participant id a guest's ingest token is bound to. */
  get invitedParticipant() {
    return this.grant?.participantId;
  }

  /** GET /v1/sessions (operator only). */
  async sessions() {
    if (!this.isAdmin) throw new ApiError(403, "forbidden", "only the operator can list sessions");
    return (await api.sessions(this.adminToken)).sessions;
  }

  /** Makes sure the session exists (POST /v1/sessions); a guest's session exists already. */
  async ensureSession(sessionId) {
    if (this.isAdmin) await api.createSession(this.adminToken, sessionId);
  }

  /** A view token of `sessionId`; `fresh` after a 4401, undefined when none can be had. */
  viewToken(sessionId, fresh = false) {
    if (!this.isAdmin) {
      return Promise.resolve(!fresh && this.grant?.sessionId === sessionId ? this.grant.view : undefined);
    }
    return this.#mint({ sessionId, role: "view", name: this.name ?? "operator" }, fresh);
  }

  /** An ingest token of `sessionId` + `participantId`; `fresh` after a 4401. */
  ingestToken(sessionId, participantId, fresh = false) {
    if (!this.isAdmin) {
      const g = this.grant;
      const ok = !fresh && g?.sessionId === sessionId && g.participantId === participantId;
      return Promise.resolve(ok ? g.ingest : undefined);
    }
    return this.#mint({ sessionId, role: "ingest", participantId, name: this.name }, fresh);
  }

  /**
   * Why the server refuses this page's view token of the session (GET …/viewers: 401 or 403), or
   * undefined when it accepts it, does not know the session yet, or cannot be reached. Used after a socket that never opened, because a
   * browser does not see the HTTP status of a refused WebSocket upgrade.
   */
  async probe(sessionId) {
    try {
      const token = await this.viewToken(sessionId);
      await api.viewers(token, sessionId);
      return undefined;
    } catch (err) {
      // 404 is not final: the first authorised ingest creates the session (a restarted server
      // without a store has forgotten it until then).
      return err instanceof ApiError && [401, 403].includes(err.status) ? refusalText(err) : undefined;
    }
  }

  /** The session's viewers now (GET /v1/sessions/{sid}/viewers). */
  async viewers(sessionId) {
    return (await api.viewers(await this.viewToken(sessionId), sessionId)).viewers ?? [];
  }

  /** The stored timeline of the session as a Blob (GET …/export). */
  async exportTimeline(sessionId, format) {
    return await api.exportTimeline(await this.viewToken(sessionId), sessionId, format);
  }

  /**
   * An invite link for one more participant: a new guest participant id, a view token and an
   * ingest token for it, in the link's fragment (docs/dashboard.md). Operator only.
   * @returns {Promise<{grant: import("./credentials.js").JoinGrant}>}
   */
  async invite(sessionId) {
    if (!this.isAdmin) throw new ApiError(403, "forbidden", "only the operator can invite");
    const participantId = `guest-${randomSuffix(6)}`;
    const name = `invited ${participantId}`;
    const [ingest, view] = await Promise.all([
      api.mintToken(this.adminToken, { sessionId, role: "ingest", participantId, name }),
      api.mintToken(this.adminToken, { sessionId, role: "view", name }),
    ]);
    const expiries = [ingest.expiresAt, view.expiresAt].filter(Boolean).sort();
    return {
      grant: { sessionId, participantId, ingest: ingest.token, view: view.token, expiresAt: expiries[0] },
    };
  }

  async #mint(body, fresh) {
    const key = `${body.role}:${body.sessionId}:${body.participantId ?? ""}`;
    const have = this.minted.get(key);
    if (have && !fresh && isUnexpired(have.expiresAt)) return have.token;
    const clean = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
    const got = await api.mintToken(this.adminToken, clean);
    this.minted.set(key, got);
    return got.token;
  }
}
