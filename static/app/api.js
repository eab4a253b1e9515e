/**
 * The server's HTTP routes the dashboard uses, with a bearer token (docs/security.md). Refusals
 * become an ApiError carrying the HTTP status and the server's error code (`unauthorized`,
 * `forbidden`, `session_not_found` …), so callers can tell "log in again" from "not allowed".
 */

/** Token lifetime the dashboard asks for its own tokens and invite links, s (the server's maximum). */
export const TOKEN_TTL_S = 86_400;

/** A refused or failed request. */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the server could not be reached
   * @param {string} code the server's error code, or "network"
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/** Calls `path` and returns the Response; throws ApiError when the server refuses or is down. */
export async function request(path, { method = "GET", token, body } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch (err) {
    throw new ApiError(0, "network", `the server cannot be reached (${err.message})`);
  }
  if (!res.ok) {
    let code = `http_${res.status}`, message = `${method} ${path}: HTTP ${res.status}`;
    try {
      const j = await res.json();
      if (typeof j.error === "string") code = j.error;
      if (typeof j.message === "string") message = j.message;
    } catch { /* not JSON */ }
    throw new ApiError(res.status, code, message);
  }
  return res;
}

async function json(path, options) {
  return await (await request(path, options)).json();
}

/** The server's routes. Every method takes the token to present. */
export const api = {
  /** GET /v1/health (open). */
  health: () => json("/v1/health"),
  /** POST /v1/login: the one-time login token → {token, expiresAt} (admin JWT). */
  login: (loginToken) => json("/v1/login", { method: "POST", body: { token: loginToken } }),
  /**
   * POST /v1/tokens (admin) → {token, expiresAt}.
   * @param {string} admin
   * @param {{sessionId: string, role: "ingest"|"view", participantId?: string, ttlS?: number, name?: string}} body
   */
  mintToken: (admin, body) =>
    json("/v1/tokens", { method: "POST", token: admin, body: { ttlS: TOKEN_TTL_S, ...body } }),
  /** POST /v1/sessions (admin) → {sessionId}; 200 when it existed, 201 when created. */
  createSession: (admin, sessionId) => json("/v1/sessions", { method: "POST", token: admin, body: { sessionId } }),
  /** GET /v1/sessions (admin). */
  sessions: (admin) => json("/v1/sessions", { token: admin }),
  /** GET /v1/sessions/{sid}/viewers → {viewers: [{viewerId, name?, role, connectedWallMs}]}. */
  viewers: (token, sessionId) => json(`/v1/sessions/${encodeURIComponent(sessionId)}/viewers`, { token }),
  /**
   * GET /v1/sessions/{sid}/export?format=… → the stored timeline as a Blob and the file name the
   * server suggests (Content-Disposition), else `<sid>.<format>`.
   */
  async exportTimeline(token, sessionId, format) {
    const res = await request(`/v1/sessions/${encodeURIComponent(sessionId)}/export?format=${format}`, { token });
    const disposition = res.headers.get("content-disposition") ?? "";
    const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
    const filename = m ? decodeURIComponent(m[1]) : `${sessionId}.${format}`;
    return { blob: await res.blob(), filename };
  },
};
