/** Models loaded once per server and the stage factory that gives each participant its own streams. */
export * from "./engine.ts";
export * from "./stages.ts";
export * from "./voice_worker_pool.ts";
