/**
 * This browser as a participant: camera and microphone permission, microphone → PCM frames,
 * camera → face messages, speech recognition or typed lines → transcripts, all on one media
 * clock (16 kHz samples sent / 16) and carried by one ingest socket.
 */
import { FaceCapture } from "./face_capture.js";
import { IngestClient } from "./ingest_client.js";
import { startMicrophone } from "./microphone.js";
import { Transcriber } from "./transcriber.js";

/** A typed line is sent as a final transcript covering this much of the media clock before it, ms. */
export const TYPED_SPAN_MS = 4000;

/**
 * Audio constraints: echo cancellation keeps the other side of a call out of this participant's
 * voice, but gain control and noise suppression are off because they flatten the loudness and
 * spectral cues the voice model reads.
 */
const AUDIO_CONSTRAINTS = { channelCount: 1, echoCancellation: true, autoGainControl: false, noiseSuppression: false };
const VIDEO_CONSTRAINTS = { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 15 } };

/**
 * @typedef {"mic"|"camera"|"face"|"ingest"|"speech"} StatusKey
 * @typedef {(key: StatusKey, state: string, detail: string) => void} StatusListener
 */

/** A human explanation of a getUserMedia failure. */
export function describeMediaError(err, what) {
  switch (err?.name) {
    case "NotAllowedError":
      return `${what} access was denied — allow it in the browser's site settings and rejoin`;
    case "NotFoundError":
    case "OverconstrainedError":
      return `no ${what} found`;
    case "NotReadableError":
    case "AbortError":
      return `the ${what} is in use by another application or failed to start`;
    case "SecurityError":
      return `${what} access needs https or localhost`;
    default:
      return `${what} unavailable: ${err?.message ?? err}`;
  }
}

/** What the stream chip says once streaming, naming what is missing. */
export function streamingText({ audio, video }, participantId) {
  if (audio && video) return `streaming voice and face as ${participantId}`;
  if (audio) return `streaming voice only (no camera) as ${participantId}`;
  if (video) return `streaming face only (no microphone) as ${participantId}`;
  return `connected as ${participantId}, but camera and microphone are both unavailable: only typed text is sent`;
}

async function tryGetUserMedia(constraints) {
  try {
    return { stream: await navigator.mediaDevices.getUserMedia(constraints) };
  } catch (err) {
    return { error: err };
  }
}

/** The local participant's capture and upstream. */
export class LocalParticipant {
  /**
   * @param {{origin: string, sessionId: string, participantId: string, name: string,
   *   preview: HTMLVideoElement, onStatus: StatusListener, onServerError: (e: object) => void,
   *   onLevel?: (rms: number) => void, onInterim?: (text: string) => void,
   *   onDevices?: (granted: {audio: boolean, video: boolean}) => void, consent?: boolean,
   *   token?: (fresh: boolean) => Promise<string | undefined>, probe?: () => Promise<string | undefined>}} options
   *   consent: the participant agreed on this page (hello carries consent: true); token/probe: see
   *   IngestClientOptions
   */
  constructor(options) {
    this.options = options;
    this.streams = [];
    this.mic = undefined;
    this.face = undefined;
    this.transcriber = undefined;
    this.ingest = undefined;
    this.typed = 0;
  }

  /** Media time now, or null while not streaming. */
  mediaNow() {
    return this.ingest?.ready ? this.ingest.mediaMs : null;
  }

  /** Asks for devices, then starts streaming whatever was granted. */
  async start() {
    const { onStatus } = this.options;
    if (!navigator.mediaDevices?.getUserMedia) {
      onStatus("mic", "denied", "camera and microphone need https or localhost in this browser");
      onStatus("camera", "denied", "camera and microphone need https or localhost in this browser");
    }
    const { audio, video } = navigator.mediaDevices?.getUserMedia ? await this.#devices() : {};
    if (audio) {
      this.streams.push(audio);
      onStatus("mic", "starting", "starting the microphone…");
    }
    if (video) this.streams.push(video);
    this.options.onDevices?.({ audio: Boolean(audio), video: Boolean(video) });
    this.devices = { audio: Boolean(audio), video: Boolean(video) };

    const pid = this.options.participantId;
    this.ingest = new IngestClient({
      origin: this.options.origin,
      sessionId: this.options.sessionId,
      participantId: pid,
      name: this.options.name,
      audio: Boolean(audio),
      consent: this.options.consent,
      token: this.options.token,
      probe: this.options.probe,
      readyDetail: streamingText(this.devices, pid),
      onState: ({ state, detail }) => {
        // Connected but with both devices refused, nothing but typed text travels: say so.
        const textOnly = state === "ready" && !audio && !video;
        onStatus("ingest", textOnly ? "text-only" : state, detail);
        // A working microphone whose audio goes nowhere (the stream is down) is not simply "on".
        if (this.mic && !this.left) {
          if (state === "ready") onStatus("mic", "on", this.#micText());
          else if (state === "reconnecting") {
            onStatus("mic", "paused", "on, but nothing is sent until the stream is back");
          }
        }
      },
      onError: (e) => this.options.onServerError(e),
    });
    this.ingest.connect();

    if (audio) await this.#startMicrophone(audio);
    if (video) await this.#startCamera(video);
    this.#startSpeech(Boolean(audio));
  }

  async #devices() {
    const { onStatus } = this.options;
    const both = await tryGetUserMedia({ audio: AUDIO_CONSTRAINTS, video: VIDEO_CONSTRAINTS });
    let audio, video;
    if (both.stream) {
      audio = new MediaStream(both.stream.getAudioTracks());
      video = new MediaStream(both.stream.getVideoTracks());
    } else {
      // One of the two may be missing or refused: ask for each alone to know which.
      const a = await tryGetUserMedia({ audio: AUDIO_CONSTRAINTS });
      const v = await tryGetUserMedia({ video: VIDEO_CONSTRAINTS });
      audio = a.stream;
      video = v.stream;
      if (a.error) onStatus("mic", "denied", describeMediaError(a.error, "microphone"));
      if (v.error) onStatus("camera", "denied", describeMediaError(v.error, "camera"));
    }
    if (audio && audio.getAudioTracks().length === 0) audio = undefined;
    if (video && video.getVideoTracks().length === 0) video = undefined;
    return { audio, video };
  }

  async #startMicrophone(stream) {
    const { onStatus, onLevel } = this.options;
    try {
      this.mic = await startMicrophone(stream, (pcm, rms) => {
        this.ingest.sendAudio(pcm);
        onLevel?.(rms);
      });
      onStatus("mic", "on", this.#micText());
    } catch (err) {
      onStatus("mic", "failed", `microphone capture failed: ${err.message}`);
    }
    for (const t of stream.getAudioTracks()) {
      t.addEventListener("ended", () => onStatus("mic", "failed", "the microphone stopped (unplugged or revoked)"));
      t.addEventListener("mute", () => onStatus("mic", "muted", "the microphone is muted by the system"));
      t.addEventListener("unmute", () => onStatus("mic", "on", "microphone on"));
    }
  }

  async #startCamera(stream) {
    const { onStatus, preview } = this.options;
    preview.srcObject = stream;
    preview.muted = true;
    preview.playsInline = true;
    try {
      await preview.play();
    } catch (err) {
      onStatus("camera", "failed", `camera preview failed: ${err.message}`);
      return;
    }
    onStatus("camera", "on", "camera on");
    for (const t of stream.getVideoTracks()) {
      t.addEventListener("ended", () => onStatus("camera", "failed", "the camera stopped (unplugged or revoked)"));
    }
    this.face = new FaceCapture({
      video: preview,
      clock: () => (this.ingest.ready ? { timeMs: this.ingest.mediaMs, tag: this.ingest.epoch } : null),
      onFrame: (frame, tag) => {
        if (tag === this.ingest.epoch) this.ingest.sendFace(frame);
      },
      onState: ({ state, detail }) => onStatus("face", state, detail),
    });
    try {
      await this.face.start();
    } catch (err) {
      onStatus("face", "failed", `face tracking unavailable: ${err.message}`);
      this.face = undefined;
    }
  }

  #micText() {
    return `microphone on (${this.mic.context.sampleRate} Hz → 16 kHz)`;
  }

  #startSpeech(haveAudio) {
    const { onStatus, onInterim } = this.options;
    if (!haveAudio) {
      onStatus("speech", "unavailable", "no microphone: type what you want to say below");
      return;
    }
    this.transcriber = new Transcriber({
      clock: () => this.mediaNow(),
      onSegment: (seg) => {
        this.ingest.sendTranscript(seg);
        onInterim?.(seg.final ? "" : seg.text);
      },
      onState: ({ state, detail }) => onStatus("speech", state, detail),
    });
    this.transcriber.start();
  }

  /** Sends a typed line as a final transcript over the last TYPED_SPAN_MS; false when not streaming. */
  sendTypedLine(text) {
    const now = this.mediaNow();
    const line = text.trim();
    if (now === null || !line) return false;
    return this.ingest.sendTranscript({
      id: `typed-${++this.typed}`,
      final: true,
      text: line,
      startMs: Math.max(0, now - TYPED_SPAN_MS),
      endMs: now,
    });
  }

  /** Counters for the status line and tests. */
  stats() {
    return {
      mediaMs: this.ingest?.mediaMs ?? 0,
      ingest: this.ingest?.stats,
      face: this.face?.stats,
      faceState: this.face?.state,
    };
  }

  /** Ends the stream (the server flushes the last utterance) and releases the devices. */
  async leave() {
    if (this.left) return;
    this.ingest?.end();
    await this.#release("you left the session");
  }

  /**
   * Withdraws consent mid-call: the server stops analysing at once and discards the open
   * utterance; the devices are released and nothing more is sent.
   */
  async withdrawConsent() {
    if (this.left) return;
    this.ingest?.withdrawConsent();
    await this.#release("consent withdrawn");
  }

  /** Stops every device and says so on every chip, so none still claims to be on. */
  async #release(why) {
    this.left = true;
    this.transcriber?.stop();
    this.face?.stop();
    await this.mic?.stop().catch(() => {});
    for (const s of this.streams) for (const t of s.getTracks()) t.stop();
    this.options.preview.srcObject = null;
    const { onStatus } = this.options;
    onStatus("mic", "off", `off (${why})`);
    onStatus("camera", "off", `off (${why})`);
    onStatus("face", "off", `off (${why})`);
    onStatus("speech", "off", `off (${why})`);
  }
}
