/**
 * The wire protocol: every client→server message and server→client event, typed as
 * discriminated unions and validated at the boundary. Nothing else parses wire data.
 */
export * from "./errors.ts";
export * from "./ids.ts";
export * from "./client_messages.ts";
export * from "./events.ts";
export * from "./face_frame.ts";
