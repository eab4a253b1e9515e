/** Session and participant id validation. */
import { ProtocolError } from "./errors.ts";

/** Ids are 1–64 characters from [A-Za-z0-9_.-], so they are safe in URLs, logs and file names. */
export const ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** Returns `id` if valid, else throws a non-recoverable `bad_id` ProtocolError. */
export function validateId(kind: "session" | "participant", id: string): string {
  if (!ID_PATTERN.test(id) || id === "." || id === "..") {
    throw new ProtocolError("bad_id", `${kind} id must match ${ID_PATTERN.source}`, false);
  }
  return id;
}

/** Alphabet of generated id parts (a subset of the id pattern's). */
const SUFFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** `n` random characters from [a-z0-9], from the platform CSPRNG (the same rule as static/app/ids.js). */
export function randomSuffix(n = 4): string {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  return Array.from(bytes, (b) => SUFFIX_ALPHABET[b % SUFFIX_ALPHABET.length]).join("");
}
