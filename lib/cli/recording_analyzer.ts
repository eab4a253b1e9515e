/**
 * `analyze FILE`: one recording through the live pipeline, one participant per person in it.
 * Faces are tracked (lib/offline/multi_face_extractor.ts) and utterances found by the same VAD;
 * with several faces each utterance goes to the face whose mouth moves with it, with audio only
 * and several voices to its voice (lib/speaker/speaker_routing.ts). Each person's participant
 * gets the recording's audio with everyone else's utterances silenced and their own face frames,
 * so voice statistics, face windows, text context and shifts are per person; `utterance.end` and
 * `emotion` events carry `speaker` ({faceId, box} or {voiceId}).
 */
import type { Engine } from "../engine/engine.ts";
import type { FaceFrame } from "../face/face_frame.ts";
import { decodeAudio } from "../media/decode.ts";
import { probeMedia } from "../media/probe.ts";
import type { SessionEvent } from "../protocol/events.ts";
import { detectUtterances } from "../segment/utterance_detector.ts";
import { Session } from "../session/session.ts";
import { faceStreams, type MultiFaceExtractor, type MultiFaceFrame } from "../offline/multi_face_extractor.ts";
import { maskOutside, routeSpeakers, speakerField, type SpeakerRoute } from "../speaker/speaker_routing.ts";
import { meanBox } from "../speaker/speaker_timeline.ts";

/** Options for {@linkcode analyzeRecording}. */
export interface RecordingOptions {
  /** Split audio-only recordings by voice changes (BIC); default true. */
  voiceChanges?: boolean;
}

const CHUNK_SAMPLES = 1600; // 100 ms
/** How long a final emotion waits for ASR text offline, in ms (the most participant options allow). */
const OFFLINE_TEXT_WAIT_MS = 30_000;
/** Media time a still image stands for, in ms (the default face window). */
const IMAGE_WINDOW_MS = 2000;

/** The same faces at another time. */
function stillAt(f: MultiFaceFrame, timeMs: number): MultiFaceFrame {
  return { timeMs, faces: f.faces.map((x) => ({ ...x, frame: { ...x.frame, timeMs } })) };
}

/** Analyses one file; events go to `emit` as they are published. Throws on undecodable media. */
export async function analyzeRecording(
  engine: Engine,
  path: string,
  sessionId: string,
  extractor: () => Promise<MultiFaceExtractor | null>,
  emit: (event: SessionEvent & Record<string, unknown>) => void,
  options: RecordingOptions = {},
): Promise<void> {
  const info = await probeMedia(path);
  const samples = info.hasAudio ? await decodeAudio(path) : new Float32Array(0);
  const ext = info.hasVideo ? await extractor() : null;
  let frames: MultiFaceFrame[] = ext ? await ext.extract(path) : [];
  // A still picture is analysed as a still lasting one face window (2 s, the participant default),
  // so each face gets its face-only estimate.
  if (info.isImage && frames.length === 1) frames = [frames[0], stillAt(frames[0], IMAGE_WINDOW_MS)];
  const spans = samples.length >= 512
    ? (await detectUtterances(engine.vad, samples)).events.flatMap((
      e,
    ) => (e.kind === "end" ? [{ startMs: e.startMs, endMs: e.endMs }] : []))
    : [];
  const routes: SpeakerRoute[] = options.voiceChanges === false && !frames.some((f) => f.faces.length > 1)
    ? [{ participantId: "speaker", spans }]
    : routeSpeakers(frames, samples, spans);
  if (routes.length === 1 && routes[0].faceId === undefined && frames.some((f) => f.faces.length)) {
    routes[0].faceId = frames.find((f) => f.faces.length)!.faces[0].faceId;
  }
  const streams = faceStreams(frames);
  // Offline, the final emotion can wait for recognised text as long as recognition takes (the
  // pool's own time limit bounds it), so events carry the text rather than a later update.
  const session = new Session(sessionId, engine.vad, engine, {
    participant: { offline: true, textWaitMs: OFFLINE_TEXT_WAIT_MS },
  });
  const byPid = new Map(routes.map((r) => [r.participantId, r]));
  session.events.subscribe(0, (e) => {
    const ev = e as SessionEvent & Record<string, unknown>;
    const route = typeof ev.participantId === "string" ? byPid.get(ev.participantId) : undefined;
    const timed = typeof ev.startMs === "number" && typeof ev.endMs === "number";
    const decorate = route && timed && (ev.type === "utterance.end" || ev.type.startsWith("emotion"));
    const speaker = decorate
      ? speakerField(route, frames, ev.startMs as number, ev.endMs as number, meanBox)
      : undefined;
    emit(speaker ? { ...ev, speaker } : ev);
  });
  // Face frames of a route: its own face's stream; without a face, none.
  const faceOf = (r: SpeakerRoute): FaceFrame[] => (r.faceId !== undefined ? streams.get(r.faceId)?.frames ?? [] : []);
  const people = routes.map((r) => ({
    route: r,
    p: session.join(r.participantId),
    audio: routes.length > 1 ? maskOutside(samples, r.spans) : samples,
    faces: faceOf(r),
    f: 0,
  }));
  try {
    for (const x of people) x.p.hello({ type: "hello", audio: { sampleRate: 16000, encoding: "f32le", channels: 1 } });
    // Everyone advances chunk by chunk together, so events come out roughly in media order.
    for (let s = 0; s < samples.length; s += CHUNK_SAMPLES) {
      const endMs = Math.min(samples.length, s + CHUNK_SAMPLES) / 16;
      for (const x of people) {
        x.p.audio(new Uint8Array(x.audio.slice(s, s + CHUNK_SAMPLES).buffer));
        // VAD catches up before this stretch's face frames, as live, so face-only windows are
        // only made where no utterance is open.
        await x.p.settle();
        while (x.f < x.faces.length && x.faces[x.f].timeMs <= endMs) x.p.face(x.faces[x.f++]);
      }
    }
    for (const x of people) while (x.f < x.faces.length) x.p.face(x.faces[x.f++]);
    for (const x of people) await x.p.end("end");
  } finally {
    for (const x of people) if (!x.p.ended) await x.p.end("error");
  }
}
