/**
 * The typed affectstream client, its own module (`lib/client/mod.ts`): ingest, video and events
 * connections with awaitable open, typed callbacks, timeouts, back-pressure, a clean `end()`,
 * and events that reconnect with `since` without loss or duplicates. Browser-safe: only
 * WebSocket, fetch and timers (static/vendor/affectstream_client.js is its bundle).
 * docs/client.md has examples.
 */
export { AffectstreamClient } from "./affectstream_client.ts";
export type { AffectstreamClientOptions, TokenRequest } from "./affectstream_client.ts";
export { IngestConnection, pcm16 } from "./ingest_connection.ts";
export type { IngestOptions } from "./ingest_connection.ts";
export { VIDEO_HEADER_BYTES, VideoConnection, videoFrameMessage } from "./video_connection.ts";
export type { VideoOptions } from "./video_connection.ts";
export { EventsConnection } from "./events_connection.ts";
export type { EventsCallbacks, EventsOptions, EventsUrl } from "./events_connection.ts";
export { MediaConnection } from "./media_connection.ts";
export type { MediaCallbacks, MediaConnectionOptions } from "./media_connection.ts";
export { ClientError } from "./errors.ts";
export type { ClientErrorKind } from "./errors.ts";
export type { ConnectionOptions, ErrorMessage, ReadyMessage, ServerReply, TokenProvider } from "./types.ts";
export type { SessionEvent } from "../protocol/events.ts";
