/** The `face` wire message is defined by the protocol (lib/protocol/face_frame.ts); the face stages read it from there. */
export * from "../protocol/face_frame.ts";
