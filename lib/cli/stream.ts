/**
 * `deno task stream FILE --url http://HOST:PORT --session S --participant P [--token T] [--fps 2]`:
 * plays a recording into a live server in real time, the way a call bot does — audio on the
 * ingest socket in 20 ms messages, JPEG frames on the video socket at `--fps` — and prints the
 * session's events as JSON lines on stdout. Everything goes through lib/client.
 *
 * Tokens: `--token` / AFFECTSTREAM_TOKEN (an ingest token of S and P; it also reads S's events),
 * or `--admin-key` / AFFECTSTREAM_ADMIN_KEY to mint an ingest token (with consent) through
 * POST /v1/tokens. ffmpeg decodes; nothing is written to disk.
 */
import { parseArgs } from "node:util";
import {
  AffectstreamClient,
  ClientError,
  type IngestConnection,
  type SessionEvent,
  type VideoConnection,
} from "../client/mod.ts";
import { probeMedia } from "../media/probe.ts";

/** Audio message length, in ms (a call bot's usual packet). */
export const AUDIO_MESSAGE_MS = 20;
/** Sample rate the audio is sent at, in Hz. */
export const STREAM_SAMPLE_RATE = 16_000;
/** Frames wider than this are downscaled before JPEG encoding, in pixels. */
export const MAX_FRAME_WIDTH = 1280;
/** How long a still image is shown, in ms. */
export const IMAGE_SHOW_MS = 4000;

/** Options of {@linkcode runStream}. */
export interface StreamOptions {
  file: string;
  url: string;
  sessionId: string;
  participantId: string;
  token?: string;
  adminKey?: string;
  /**
   * Send `consent: true` in hello (the operator attests the participant agreed). Tokens minted
   * with --admin-key carry consent already.
   */
  consent?: boolean;
  /** Video frames per second sent, in (0, 5]. Default 2. */
  fps?: number;
  /** Print events after this seq. Default 0 (the session's held history too). */
  since?: number;
  /** Playback speed (1 = real time); tests use more. Default 1. */
  speed?: number;
  /** Longest wait for the server's last events after the file ends, in ms. Default 30000. */
  drainMs?: number;
  /** Where event lines go. Default stdout. */
  write?: (line: string) => void;
  /** Progress and errors. Default stderr. */
  log?: (line: string) => void;
}

const USAGE = "usage: deno task stream FILE --url http://HOST:PORT --session S --participant P " +
  "[--token T | --admin-key K] [--fps 2] [--consent] [--since SEQ]";

/** Parses the command line and runs; returns the exit code. */
export async function streamMain(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      url: { type: "string" },
      session: { type: "string" },
      participant: { type: "string" },
      token: { type: "string" },
      "admin-key": { type: "string" },
      fps: { type: "string", default: "2" },
      since: { type: "string", default: "0" },
      speed: { type: "string", default: "1" },
      consent: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help || positionals.length !== 1 || !values.url || !values.session || !values.participant) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  return await runStream({
    file: positionals[0],
    url: values.url,
    sessionId: values.session,
    participantId: values.participant,
    // flags before the environment: --token, --admin-key, AFFECTSTREAM_TOKEN, AFFECTSTREAM_ADMIN_KEY
    token: values.token ?? (values["admin-key"] ? undefined : Deno.env.get("AFFECTSTREAM_TOKEN") || undefined),
    adminKey: values["admin-key"] ?? (Deno.env.get("AFFECTSTREAM_ADMIN_KEY") || undefined),
    fps: Number(values.fps),
    since: Number(values.since),
    speed: Number(values.speed),
    consent: values.consent,
  });
}

/** Streams one file; returns the exit code (0 once the participant's last events are out). */
export async function runStream(o: StreamOptions): Promise<number> {
  const write = o.write ?? ((l: string) => console.log(l));
  const log = o.log ?? ((l: string) => console.error(l));
  const fps = o.fps ?? 2;
  const speed = o.speed ?? 1;
  if (!(fps > 0 && fps <= 5)) {
    throw new RangeError(`--fps must be in (0, 5] (the server takes 5 frames/s), got ${o.fps}`);
  }
  if (!(speed > 0 && speed <= 20)) throw new RangeError(`--speed must be in (0, 20], got ${o.speed}`);
  const info = await probeMedia(o.file);
  if (!info.hasAudio && !info.hasVideo) throw new Error(`${o.file} holds neither audio nor video`);
  let client = new AffectstreamClient({ url: o.url, token: o.token });
  if (!o.token && o.adminKey) {
    const admin = new AffectstreamClient({ url: o.url, token: o.adminKey });
    const { token } = await admin.createToken({
      sessionId: o.sessionId,
      role: "ingest",
      participantId: o.participantId,
      consent: true,
      name: o.participantId,
    });
    client = client.withToken(token);
  }
  const hint = (err: unknown) =>
    err instanceof ClientError && err.kind === "refused" && !client.token
      ? `${(err as Error).message} (the server needs a token: --token T, AFFECTSTREAM_TOKEN, or --admin-key K)`
      : (err as Error).message;

  const onError = (where: string) => (err: ClientError) => log(`${where}: ${err.message}`);
  // A dropped socket is reopened (the server sees a rejoin); the participant.left of the drop is not the end.
  let left = false;
  const reconnecting = (where: string) => (r: { attempt: number; delayMs: number; code: number; reason: string }) =>
    log(`${where}: socket closed (${r.code} ${r.reason}); reconnecting in ${r.delayMs} ms (attempt ${r.attempt})`);
  const reopened = (where: string) => (_ready: unknown, attempt: number) => {
    if (attempt === 0) return;
    log(`${where}: reconnected (the server counts it as a rejoin)`);
    left = false;
  };
  let ingest: IngestConnection | undefined;
  let video: VideoConnection | undefined;
  try {
    if (info.hasAudio) {
      ingest = await client.ingest(o.sessionId, o.participantId, {
        audio: { sampleRate: STREAM_SAMPLE_RATE, encoding: "pcm_s16le", channels: 1 },
        name: o.participantId,
        consent: o.consent,
        reconnect: true,
        on: { error: onError("ingest"), reconnecting: reconnecting("ingest"), open: reopened("ingest") },
      });
    }
    if (info.hasVideo) {
      video = await client.video(o.sessionId, o.participantId, {
        name: o.participantId,
        consent: o.consent,
        reconnect: true,
        timeOffsetMs: () => ingest?.timeOffsetMs ?? 0,
        on: { error: onError("video"), reconnecting: reconnecting("video"), open: reopened("video") },
      });
    }
  } catch (err) {
    await ingest?.close();
    throw new Error(`cannot open the participant's sockets: ${hint(err)}`);
  }
  // After the sockets: the first authorised ingest creates the session; since=0 replays what came before.
  const events = await client.events(o.sessionId, {
    since: o.since ?? 0,
    on: {
      event: (e: SessionEvent) => {
        write(JSON.stringify(e));
        if (e.type === "participant.left" && e.participantId === o.participantId) left = true;
      },
      error: (err) => log(`events: ${err.message}`),
    },
  }).catch(async (err) => {
    await ingest?.close();
    await video?.close();
    throw new Error(`cannot subscribe to ${o.sessionId}'s events: ${hint(err)}`);
  });
  log(
    `streaming ${o.file} as ${o.sessionId}/${o.participantId}` +
      `${ingest ? " (audio)" : ""}${video ? ` (video ${fps} fps)` : ""}`,
  );

  const t0 = performance.now();
  const at = (mediaMs: number) => {
    const wait = t0 + mediaMs / speed - performance.now();
    return wait > 0 ? new Promise((r) => setTimeout(r, wait)) : Promise.resolve();
  };
  await Promise.all([
    ingest ? playAudio(o.file, ingest, at) : Promise.resolve(),
    video ? playFrames(o.file, video, fps, info.isImage, at) : Promise.resolve(),
  ]);
  // Video first: its end waits until every sent frame is measured and fed to the stream, so
  // the utterance that the ingest end closes sees all of them.
  await video?.end().catch((err) => log(`video end: ${err.message}`));
  await ingest?.end().catch((err) => log(`ingest end: ${err.message}`));
  const deadline = performance.now() + (o.drainMs ?? 30_000);
  while (!left && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await events.end();
  if (!left) log("the server did not report participant.left in time");
  return left ? 0 : 1;
}

/** Sends 16 kHz mono s16le audio in 20 ms messages, each at its media time. */
async function playAudio(file: string, ingest: IngestConnection, at: (ms: number) => Promise<unknown>): Promise<void> {
  const bytesPerMessage = (STREAM_SAMPLE_RATE * AUDIO_MESSAGE_MS / 1000) * 2;
  const ff = ffmpeg([
    "-i",
    file,
    "-map",
    "0:a:0",
    "-vn",
    "-ac",
    "1",
    "-ar",
    String(STREAM_SAMPLE_RATE),
    "-f",
    "s16le",
    "pipe:1",
  ]);
  let pending = new Uint8Array(0);
  let sent = 0;
  for await (const chunk of ff.stdout) {
    const joined = new Uint8Array(pending.length + chunk.length);
    joined.set(pending);
    joined.set(chunk, pending.length);
    let off = 0;
    for (; off + bytesPerMessage <= joined.length; off += bytesPerMessage) {
      await at(sent * AUDIO_MESSAGE_MS);
      await ingest.sendAudio(joined.slice(off, off + bytesPerMessage));
      sent++;
    }
    pending = joined.slice(off);
  }
  if (pending.length >= 2) await ingest.sendAudio(pending.slice(0, pending.length & ~1));
  await ff.done;
}

/** Sends JPEG frames at `fps`, each at its media time (a still image is shown for IMAGE_SHOW_MS). */
async function playFrames(
  file: string,
  video: VideoConnection,
  fps: number,
  isImage: boolean,
  at: (ms: number) => Promise<unknown>,
): Promise<void> {
  const scale = `scale='min(${MAX_FRAME_WIDTH},iw)':-2`;
  const args = isImage
    ? ["-loop", "1", "-t", String(IMAGE_SHOW_MS / 1000), "-i", file, "-vf", `fps=${fps},${scale}`]
    : ["-i", file, "-map", "0:v:0", "-an", "-vf", `fps=${fps},${scale}`];
  const ff = ffmpeg([...args, "-q:v", "5", "-f", "image2pipe", "-vcodec", "mjpeg", "pipe:1"]);
  let k = 0;
  for await (const jpeg of splitJpegs(ff.stdout)) {
    const timeMs = (k++ * 1000) / fps;
    await at(timeMs);
    await video.sendFrame(timeMs, jpeg);
  }
  await ff.done;
}

/** Runs ffmpeg quietly; `done` rejects when it fails. */
function ffmpeg(args: string[]): { stdout: ReadableStream<Uint8Array>; done: Promise<void> } {
  const child = new Deno.Command("ffmpeg", {
    args: ["-nostdin", "-hide_banner", "-loglevel", "error", ...args],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const done = child.status.then(async (s) => {
    if (!s.success) throw new Error(`ffmpeg failed: ${(await stderr).trim().split("\n").slice(-2).join(" ")}`);
  });
  return { stdout: child.stdout, done };
}

/**
 * Splits ffmpeg's MJPEG stream into images at each EOI marker (FF D9): inside entropy-coded
 * data an FF byte is always stuffed with 00 (ITU-T T.81 §F.1.2.3), and ffmpeg writes no
 * embedded thumbnails, so FF D9 ends an image.
 */
export async function* splitJpegs(stream: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let buf = new Uint8Array(0);
  for await (const chunk of stream) {
    const joined = new Uint8Array(buf.length + chunk.length);
    joined.set(buf);
    joined.set(chunk, buf.length);
    let start = 0;
    for (let i = Math.max(1, buf.length - 1); i < joined.length; i++) {
      if (joined[i - 1] === 0xff && joined[i] === 0xd9) {
        yield joined.slice(start, i + 1);
        start = i + 1;
      }
    }
    buf = joined.slice(start);
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await streamMain(Deno.args));
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    Deno.exit(1);
  }
}
