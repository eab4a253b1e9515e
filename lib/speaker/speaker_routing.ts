/**
 * Who each stretch of a recording belongs to, so every person gets their own stream: with two or
 * more tracked faces, each utterance goes to the face whose mouth moves with it
 * ({@linkcode attributeSpans}); with audio only (or one face) and several voices, to the voice the
 * BIC detector assigns ({@linkcode VoiceChangeDetector}); otherwise everything to one speaker.
 * Each route's audio is the recording with everyone else's utterances silenced, so its voice
 * statistics, shifts and text context are that person's alone.
 */
import type { Box } from "./face_tracker.ts";
import type { MultiFaceFrame } from "./face_tracker.ts";
import { attributeSpans } from "./speaker_timeline.ts";
import { VoiceChangeDetector, type VoiceChangeOptions } from "./voice_change.ts";

/** One person in the recording. */
export interface SpeakerRoute {
  /** Participant id: "face-N", "voice-N" or "speaker". */
  participantId: string;
  faceId?: number;
  voiceId?: number;
  /** Utterance spans attributed to this person. */
  spans: { startMs: number; endMs: number }[];
}

/** Options for {@linkcode routeSpeakers}. */
export interface RoutingOptions {
  /** A face seen in fewer decoded frames than this is not a person of its own; default 3 (1 for a still image). */
  minFaceFrames?: number;
  voice?: VoiceChangeOptions;
}

/** Face ids seen in at least `min` frames, ascending. */
export function stableFaces(frames: readonly MultiFaceFrame[], min: number): number[] {
  const counts = new Map<number, number>();
  for (const f of frames) for (const x of f.faces) counts.set(x.faceId, (counts.get(x.faceId) ?? 0) + 1);
  return [...counts].filter(([, n]) => n >= min).map(([id]) => id).sort((a, b) => a - b);
}

/** Decides the routes of a recording. */
export function routeSpeakers(
  frames: readonly MultiFaceFrame[],
  pcm16k: Float32Array,
  spans: readonly { startMs: number; endMs: number }[],
  options: RoutingOptions = {},
): SpeakerRoute[] {
  const faces = stableFaces(frames, options.minFaceFrames ?? Math.min(3, frames.length));
  if (faces.length >= 2) {
    const routes = faces.map((id) => ({ participantId: `face-${id}`, faceId: id, spans: [] as SpeakerRoute["spans"] }));
    const kept = frames.map((f) => ({ ...f, faces: f.faces.filter((x) => faces.includes(x.faceId)) }));
    attributeSpans(kept, pcm16k, spans).forEach((d, i) => {
      const r = routes.find((x) => x.faceId === d?.faceId) ?? routes[0];
      r.spans.push(spans[i]);
    });
    return routes;
  }
  if (spans.length >= 2) {
    const det = new VoiceChangeDetector(options.voice);
    const byVoice = new Map<number, SpeakerRoute["spans"]>();
    for (const s of spans) {
      const d = det.push(pcm16k.subarray(Math.floor(s.startMs * 16), Math.ceil(s.endMs * 16)));
      byVoice.set(d.voiceId, [...(byVoice.get(d.voiceId) ?? []), s]);
    }
    if (byVoice.size >= 2) {
      return [...byVoice].sort((a, b) => a[0] - b[0]).map(([id, ss]) => ({
        participantId: `voice-${id}`,
        voiceId: id,
        spans: ss,
      }));
    }
  }
  return [{ participantId: "speaker", ...(faces.length === 1 ? { faceId: faces[0] } : {}), spans: [...spans] }];
}

/** The recording with everything outside `spans` (± marginMs) silenced. */
export function maskOutside(
  pcm16k: Float32Array,
  spans: readonly { startMs: number; endMs: number }[],
  marginMs = 200,
): Float32Array {
  const out = new Float32Array(pcm16k.length);
  for (const s of spans) {
    const a = Math.max(0, Math.floor((s.startMs - marginMs) * 16)),
      b = Math.min(pcm16k.length, Math.ceil((s.endMs + marginMs) * 16));
    out.set(pcm16k.subarray(a, b), a);
  }
  return out;
}

/** The `speaker` field of a route's events over [startMs, endMs). */
export function speakerField(
  route: SpeakerRoute,
  frames: readonly MultiFaceFrame[],
  startMs: number,
  endMs: number,
  meanBox: (frames: readonly MultiFaceFrame[], faceId: number, startMs: number, endMs: number) => Box,
): { faceId: number; box: Box } | { voiceId: number } | undefined {
  if (route.faceId !== undefined) return { faceId: route.faceId, box: meanBox(frames, route.faceId, startMs, endMs) };
  if (route.voiceId !== undefined) return { voiceId: route.voiceId };
  return undefined;
}
