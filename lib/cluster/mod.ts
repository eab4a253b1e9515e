/**
 * Several instances as one service: a local redis-server for tests and `deno task cluster`,
 * the HAProxy configuration that routes by session id, and the cluster runner. The shared state
 * itself lives in the Redis store (lib/store/redis_store.ts).
 */
export * from "./haproxy_config.ts";
export * from "./redis_server.ts";
