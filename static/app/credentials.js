/**
 * The tokens this page holds (docs/security.md, issue 10). An operator logs in once with the
 * one-time `?login=` URL the server prints; the admin JWT it gets is kept in sessionStorage (this
 * tab only, gone when the tab closes). A guest arrives with an invite link whose fragment
 * (`#join=…`, never sent to the server nor kept in history) carries a view token and an ingest
 * token for one participant id. Both are taken out of the address bar as soon as they are read.
 */

/** sessionStorage keys. */
const ADMIN_KEY = "affectstream.admin";
const GUEST_KEY = "affectstream.guest";
/** A token this close to expiry counts as expired, ms. */
export const EXPIRY_MARGIN_MS = 60_000;

/**
 * The one-time login token of `href` and the same address without it.
 * @param {string} href
 * @returns {{loginToken: string | undefined, cleanHref: string}}
 */
export function takeLoginToken(href) {
  const url = new URL(href);
  const loginToken = url.searchParams.get("login") || undefined;
  url.searchParams.delete("login");
  return { loginToken, cleanHref: url.href };
}

/**
 * @typedef {object} JoinGrant What an invite link carries.
 * @property {string} sessionId
 * @property {string} participantId the guest's participant id (the ingest token is bound to it)
 * @property {string} ingest ingest token of sessionId + participantId
 * @property {string} view view token of sessionId
 * @property {string} [expiresAt] ISO 8601, the earlier of the two tokens' expiries
 */

function toBase64Url(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text) {
  const b64 = text.replaceAll("-", "+").replaceAll("_", "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

/** The invite link for `grant` on `origin`: `origin/#join=<base64url JSON>`. */
export function joinLink(origin, grant) {
  const body = { s: grant.sessionId, p: grant.participantId, i: grant.ingest, v: grant.view, e: grant.expiresAt };
  return `${origin}/#join=${toBase64Url(JSON.stringify(body))}`;
}

/**
 * The grant in `href`'s `#join=` fragment (undefined when absent or malformed) and the address
 * without the fragment.
 * @param {string} href
 * @returns {{grant: JoinGrant | undefined, cleanHref: string, malformed: boolean}}
 */
export function takeJoinFragment(href) {
  const url = new URL(href);
  const m = /^#join=([A-Za-z0-9_-]+)$/.exec(url.hash);
  const hadJoin = url.hash.startsWith("#join=");
  if (hadJoin) url.hash = "";
  const cleanHref = url.href.replace(/#$/, "");
  if (!m) return { grant: undefined, cleanHref, malformed: hadJoin };
  try {
    const b = JSON.parse(fromBase64Url(m[1]));
    const ok = [b.s, b.p, b.i, b.v].every((x) => typeof x === "string" && x);
    if (!ok) return { grant: undefined, cleanHref, malformed: true };
    return {
      grant: { sessionId: b.s, participantId: b.p, ingest: b.i, view: b.v, expiresAt: b.e },
      cleanHref,
      malformed: false,
    };
  } catch {
    return { grant: undefined, cleanHref, malformed: true };
  }
}

/** Whether an ISO 8601 expiry is still `marginMs` ahead of `nowMs`; an unknown expiry counts as valid. */
export function isUnexpired(expiresAt, nowMs = Date.now(), marginMs = EXPIRY_MARGIN_MS) {
  if (!expiresAt) return true;
  const t = Date.parse(expiresAt);
  return Number.isFinite(t) ? t - marginMs > nowMs : true;
}

/** This tab's stored credentials. `storage` is sessionStorage in the page. */
export class CredentialStore {
  /** @param {Storage} storage */
  constructor(storage) {
    this.storage = storage;
  }

  /** The admin JWT, unless missing or expired. */
  admin() {
    const a = this.#read(ADMIN_KEY);
    return a && typeof a.token === "string" && isUnexpired(a.expiresAt) ? a : undefined;
  }

  /** @param {{token: string, expiresAt?: string}} a */
  saveAdmin(a) {
    this.storage.setItem(ADMIN_KEY, JSON.stringify({ token: a.token, expiresAt: a.expiresAt }));
  }

  /** The guest grant from an invite link, unless expired. @returns {JoinGrant | undefined} */
  guest() {
    const g = this.#read(GUEST_KEY);
    return g && typeof g.ingest === "string" && isUnexpired(g.expiresAt, Date.now(), 0) ? g : undefined;
  }

  /** @param {JoinGrant} g */
  saveGuest(g) {
    this.storage.setItem(GUEST_KEY, JSON.stringify(g));
  }

  /** Forgets everything (a 401 on the admin JWT, or "log out"). */
  clear() {
    this.storage.removeItem(ADMIN_KEY);
    this.storage.removeItem(GUEST_KEY);
  }

  #read(key) {
    try {
      return JSON.parse(this.storage.getItem(key) ?? "null") ?? undefined;
    } catch {
      return undefined;
    }
  }
}
