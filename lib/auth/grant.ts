/**
 * What a verified token allows: the typed grant routes ask (the way LiveKit's server SDK turns an
 * access token into room grants). Pure functions; nothing here knows HTTP.
 */

/** Token roles. `admin` may do everything; `ingest` streams one participant; `view` reads a session. */
export type Role = "admin" | "ingest" | "view";

/** A verified token's claims. */
export interface Grant {
  /** The session the token is for; "*" for admin. */
  sessionId: string;
  role: Role;
  /** The participant an ingest token streams as. */
  participantId?: string;
  /** The operator attests the participant's consent was collected (ingest tokens). */
  consent?: boolean;
  /** Display label of the holder (shown to participants in the viewer list). */
  name?: string;
  /** Expiry, ms since the Unix epoch (Infinity for the admin key itself). */
  expiresAtMs: number;
  /** Token id. */
  jti: string;
}

/** Session id admin grants carry. */
export const ANY_SESSION = "*";

/** Whether the grant may stream as `participantId` in `sessionId`. */
export function canIngest(g: Grant, sessionId: string, participantId: string): boolean {
  return g.role === "admin" || (g.role === "ingest" && g.sessionId === sessionId && g.participantId === participantId);
}

/** Whether the grant may read `sessionId` (events, export, viewers). */
export function canView(g: Grant, sessionId: string): boolean {
  return g.role === "admin" || ((g.role === "view" || g.role === "ingest") && g.sessionId === sessionId);
}

/** Whether the grant is an admin's. */
export function isAdmin(g: Grant): boolean {
  return g.role === "admin";
}
