/**
 * Attribution of a recording's utterances to its tracked faces: builds each face's mouth track
 * from the multi-face frames and decides every utterance with {@linkcode attributeSpeaker}, the
 * previous decision serving as a fallback for the next.
 */
import type { Box } from "./face_tracker.ts";
import type { MultiFaceFrame } from "./face_tracker.ts";
import {
  attributeSpeaker,
  type Attribution,
  type AttributionOptions,
  envelopeAt,
  mouthOpening,
  type MouthTrack,
} from "./speaker_attribution.ts";

/** An utterance's speaker: the face and its mean box over the utterance. */
export interface SpeakerDecision {
  faceId: number;
  box: Box;
  attribution: Attribution;
}

/** Each face's mouth opening at every decoded frame (NaN where unseen). */
export function mouthTracks(frames: readonly MultiFaceFrame[]): MouthTrack[] {
  const ids = [...new Set(frames.flatMap((f) => f.faces.map((x) => x.faceId)))].sort((a, b) => a - b);
  const timesMs = frames.map((f) => f.timeMs);
  return ids.map((id) => {
    let area = 0, n = 0;
    const opening = frames.map((f) => {
      const hit = f.faces.find((x) => x.faceId === id);
      if (!hit?.frame.blendshapes) return NaN;
      area += hit.box[2] * hit.box[3], n++;
      return mouthOpening(hit.frame.blendshapes);
    });
    return { faceId: id, timesMs, opening, area: n ? area / n : 0 };
  });
}

/** Mean box of a face over [startMs, endMs) (its nearest box when unseen there). */
export function meanBox(frames: readonly MultiFaceFrame[], faceId: number, startMs: number, endMs: number): Box {
  const hits = frames.filter((f) => f.timeMs >= startMs && f.timeMs < endMs).flatMap((f) =>
    f.faces.filter((x) => x.faceId === faceId)
  );
  const pool = hits.length ? hits : frames.flatMap((f) => f.faces.filter((x) => x.faceId === faceId));
  const m: Box = [0, 0, 0, 0];
  for (const h of pool) for (let k = 0; k < 4; k++) m[k] += h.box[k] / pool.length;
  return m.map((v) => Math.round(v * 1e4) / 1e4) as Box;
}

/** Decides the speaker of each span, in order; null for spans when no face was ever seen. */
export function attributeSpans(
  frames: readonly MultiFaceFrame[],
  pcm16k: Float32Array,
  spans: readonly { startMs: number; endMs: number }[],
  options?: AttributionOptions,
): (SpeakerDecision | null)[] {
  const tracks = mouthTracks(frames);
  const frameMs = frames.length > 1 ? frames[1].timeMs - frames[0].timeMs : 100;
  const envelope = (t: number[]) => envelopeAt(pcm16k, t, frameMs / 2);
  let previous: number | undefined;
  return spans.map((s) => {
    // Only faces seen during the span compete.
    const live = tracks.filter((t) =>
      t.timesMs.some((x, i) => x >= s.startMs && x < s.endMs && Number.isFinite(t.opening[i]))
    );
    const a = attributeSpeaker(live.length ? live : tracks, s, envelope, previous, options);
    if (!a) return null;
    previous = a.faceId;
    return { faceId: a.faceId, box: meanBox(frames, a.faceId, s.startMs, s.endMs), attribution: a };
  });
}
