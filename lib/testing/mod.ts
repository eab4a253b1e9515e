/** Test helpers: the shared data folder, an energy reference for speech extents, a WebSocket test client. */
export * from "./data.ts";
export * from "./energy_reference.ts";
export * from "./ws_client.ts";
export * from "./auth.ts";
