/** Media files in: decoding audio with ffmpeg and probing streams with ffprobe. */
export * from "./decode.ts";
export * from "./probe.ts";
