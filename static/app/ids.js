/**
 * Session and participant ids. The server accepts ids matching [A-Za-z0-9_.-]{1,64}
 * (lib/protocol/ids.ts); a participant id is the display name made safe plus a short random
 * suffix, so two people called "Alex" never collide.
 */

/** The server's id pattern. */
export const ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** Longest name part of a participant id; leaves room for the suffix. */
const MAX_NAME_PART = 40;

/** Whether `id` is a valid session or participant id. */
export function isValidId(id) {
  return typeof id === "string" && ID_PATTERN.test(id) && id !== "." && id !== "..";
}

/** `n` random characters from [a-z0-9], from the platform CSPRNG. */
export function randomSuffix(n = 4) {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

/**
 * The id-safe form of a display name: accents removed (NFKD), anything outside
 * [A-Za-z0-9_.-] turned into "-", runs of "-" collapsed, trimmed to 40 characters.
 * Returns "guest" when nothing is left.
 */
export function sanitizeName(name) {
  const ascii = String(name ?? "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  const safe = ascii.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/-+/g, "-").replace(/^[-.]+|[-.]+$/g, "");
  return safe.slice(0, MAX_NAME_PART).replace(/[-.]+$/, "") || "guest";
}

/** A participant id for `name`: sanitised name, "-", 4 random characters. */
export function participantIdFor(name, suffix = randomSuffix()) {
  return `${sanitizeName(name)}-${suffix}`;
}

/** A fresh session id such as "call-k3x9q2". */
export function newSessionId() {
  return `call-${randomSuffix(6)}`;
}
