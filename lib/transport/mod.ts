/** HTTP and WebSocket routes (Hono); the only code that knows about the network. */
export * from "./app.ts";
export * from "./ingest_socket.ts";
export * from "./events_socket.ts";
export * from "./static_routes.ts";
export * from "./video_socket.ts";
