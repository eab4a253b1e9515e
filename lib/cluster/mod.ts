/**
 * Several instances as one service: the store-backed conversation context (shared_text_stage),
 * a local redis-server for tests and `deno task cluster`, the HAProxy configuration that routes
 * by session id, the local cluster runner, and clients that survive an instance's loss. The
 * shared state itself lives in the Redis store (lib/store/redis_store.ts); see docs/scaling.md.
 */
export * from "./cluster_clients.ts";
export * from "./haproxy_config.ts";
export * from "./local_cluster.ts";
export * from "./redis_server.ts";
export * from "./shared_text_stage.ts";
