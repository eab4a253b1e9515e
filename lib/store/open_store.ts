/**
 * Opens the store a `--store` value names: `sqlite` (default: `<dataDir>/affectstream.db`) or
 * `memory` (nothing kept), or `redis://[:password@]host:port[/db]` (shared by several instances;
 * lib/store/redis_store.ts). The seam where other engines are added.
 */
import { MemoryStore } from "./memory_store.ts";
import { RedisStore } from "./redis_store.ts";
import { SqliteStore } from "./sqlite_store.ts";
import type { Store } from "./store.ts";

/** File name of the SQLite database inside the data directory. */
export const SQLITE_FILE = "affectstream.db";

/** Opens the store named by `url` under `dataDir`. Throws for an unknown engine. */
export function openStore(url: string, dataDir: string): Promise<Store> {
  if (url === "sqlite" || url === "") return Promise.resolve(new SqliteStore(`${dataDir}/${SQLITE_FILE}`));
  if (url.startsWith("sqlite:")) return Promise.resolve(new SqliteStore(url.slice("sqlite:".length)));
  if (url === "memory") return Promise.resolve(new MemoryStore());
  if (url.startsWith("redis://") || url.startsWith("rediss://")) return RedisStore.open(url);
  return Promise.reject(new Error(`--store: unknown store "${url}" (expected sqlite, memory or redis://host:port)`));
}
