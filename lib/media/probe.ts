/**
 * What a media file holds, from ffprobe: whether it has audio and video streams, whether the
 * video is a still image, and its duration.
 */
import { DecodeError } from "./decode.ts";

/** Streams of a media file. */
export interface MediaInfo {
  hasAudio: boolean;
  hasVideo: boolean;
  /** A single still picture (jpg, png, …) rather than a moving video. */
  isImage: boolean;
  /** Container duration in ms; 0 when unknown (images). */
  durationMs: number;
}

/** Probes `path` with ffprobe. Throws DecodeError when it is missing or not media. */
export async function probeMedia(path: string, ffprobe = "ffprobe"): Promise<MediaInfo> {
  try {
    await Deno.stat(path);
  } catch {
    throw new DecodeError(`no such file: ${path}`);
  }
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(ffprobe, {
      args: ["-v", "error", "-show_entries", "stream=codec_type,codec_name,nb_frames:format=duration,format_name", "-of", "json", path],
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
    }).output();
  } catch (err) {
    throw new DecodeError(`cannot run ffprobe (is ffmpeg installed?): ${(err as Error).message}`, { cause: err });
  }
  if (!out.success) {
    const msg = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-2).join(" ");
    throw new DecodeError(`not a media file ffmpeg can read: ${path}: ${msg}`);
  }
  const info = JSON.parse(new TextDecoder().decode(out.stdout));
  const streams: { codec_type?: string; codec_name?: string }[] = info.streams ?? [];
  const video = streams.find((s) => s.codec_type === "video");
  const format: string = info.format?.format_name ?? "";
  // ffmpeg reads stills through the image2 demuxer or an `*_pipe` one (png_pipe, jpeg_pipe, …).
  const isImage = !!video && (format === "image2" || format.endsWith("_pipe"));
  return {
    hasAudio: streams.some((s) => s.codec_type === "audio"),
    hasVideo: !!video,
    isImage,
    durationMs: Math.round(Number(info.format?.duration ?? 0) * 1000) || 0,
  };
}
