/**
 * Test media for speaker attribution, built from real clips: two talking-face videos side by side
 * (ffmpeg hstack) carrying the audio of one of them, so the speaking side is known.
 */

/** Writes `out`: `left` and `right` side by side, with the audio of `audioFrom`; throws on ffmpeg failure. */
export async function sideBySide(left: string, right: string, audioFrom: "left" | "right", out: string): Promise<void> {
  const args = [
    "-nostdin",
    "-hide_banner",
    "-loglevel",
    "error",
    "-y",
    "-i",
    left,
    "-i",
    right,
    "-filter_complex",
    "[0:v][1:v]hstack=inputs=2:shortest=1[v]",
    "-map",
    "[v]",
    "-map",
    audioFrom === "left" ? "0:a:0" : "1:a:0",
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-crf",
    "18",
    "-c:a",
    "aac",
    "-shortest",
    out,
  ];
  const r = await new Deno.Command("ffmpeg", { args, stdout: "null", stderr: "piped" }).output();
  if (!r.success) throw new Error(`ffmpeg hstack failed: ${new TextDecoder().decode(r.stderr).slice(-300)}`);
}
