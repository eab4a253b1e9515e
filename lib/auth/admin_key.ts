/**
 * The admin key: AFFECTSTREAM_ADMIN_KEY when set, else read from `<dataDir>/admin.key`, else
 * generated there on first start (32 random bytes, base64url, file mode 0600). It is never
 * logged; the server prints only a one-time login URL derived from it.
 */
import { encodeBase64Url } from "./base64url.ts";

/** Environment variable that, when set, is the admin key. */
export const ADMIN_KEY_ENV = "AFFECTSTREAM_ADMIN_KEY";
/** File name of the generated admin key inside the data directory. */
export const ADMIN_KEY_FILE = "admin.key";
/** Shortest admin key accepted from the environment or the file, in characters. */
export const MIN_ADMIN_KEY_CHARS = 16;

/** Where the admin key came from. */
export type AdminKeySource = "env" | "file" | "generated";

/** Creates the data directory (mode 0700) when missing. */
export async function ensureDataDir(dir: string): Promise<string> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** Loads or creates the admin key. Throws when the key found is too short to be a secret. */
export async function loadAdminKey(
  dataDir: string,
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): Promise<{ key: string; source: AdminKeySource; path?: string }> {
  const fromEnv = env(ADMIN_KEY_ENV)?.trim();
  if (fromEnv) {
    if (fromEnv.length < MIN_ADMIN_KEY_CHARS) {
      throw new Error(`${ADMIN_KEY_ENV} must be at least ${MIN_ADMIN_KEY_CHARS} characters`);
    }
    return { key: fromEnv, source: "env" };
  }
  const path = `${dataDir}/${ADMIN_KEY_FILE}`;
  try {
    const key = (await Deno.readTextFile(path)).trim();
    if (key.length < MIN_ADMIN_KEY_CHARS) throw new Error(`${path} holds no usable admin key (too short)`);
    return { key, source: "file", path };
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  await ensureDataDir(dataDir);
  const key = encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  // createNew: two servers starting at once on one folder cannot overwrite each other's key.
  try {
    const f = await Deno.open(path, { createNew: true, write: true, mode: 0o600 });
    await f.write(new TextEncoder().encode(key + "\n"));
    f.close();
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) return loadAdminKey(dataDir, env);
    throw err;
  }
  return { key, source: "generated", path };
}
