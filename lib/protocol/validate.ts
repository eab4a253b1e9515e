/** Small field readers used by the message parsers; each throws a `bad_message` ProtocolError naming the field. */
import { ProtocolError } from "./errors.ts";

/** A JSON object as parsed from the wire. */
export type Json = Record<string, unknown>;

function fail(field: string, what: string): never {
  throw new ProtocolError("bad_message", `field "${field}" ${what}`);
}

/** A finite number within [min, max]. */
export function num(obj: Json, field: string, min = -Infinity, max = Infinity): number {
  const v = obj[field];
  if (typeof v !== "number" || !Number.isFinite(v)) fail(field, "must be a finite number");
  if (v < min || v > max) fail(field, `must be within [${min}, ${max}]`);
  return v;
}

/** An optional finite number within [min, max]. */
export function optNum(obj: Json, field: string, min = -Infinity, max = Infinity): number | undefined {
  return obj[field] === undefined ? undefined : num(obj, field, min, max);
}

/** A string of at most `maxLength` characters. */
export function str(obj: Json, field: string, maxLength: number): string {
  const v = obj[field];
  if (typeof v !== "string") fail(field, "must be a string");
  if (v.length > maxLength) fail(field, `must be at most ${maxLength} characters`);
  return v;
}

/** An optional string of at most `maxLength` characters. */
export function optStr(obj: Json, field: string, maxLength: number): string | undefined {
  return obj[field] === undefined ? undefined : str(obj, field, maxLength);
}

/** A boolean. */
export function bool(obj: Json, field: string): boolean {
  const v = obj[field];
  if (typeof v !== "boolean") fail(field, "must be a boolean");
  return v;
}

/** A nested plain object. */
export function obj(value: unknown, field: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(field, "must be an object");
  return value as Json;
}

/** Rejects fields outside `allowed`, so typos surface instead of being ignored. */
export function onlyFields(o: Json, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw new ProtocolError("bad_message", `unknown field "${k}" in ${where}`);
  }
}
