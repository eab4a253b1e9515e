/**
 * Analyses manifest items, each as one utterance, with the engine's stages: voice over the clip
 * with only the silence at its ends trimmed (VAD), face over the same span, text with the
 * earlier turns of its dialogue as context; then the same fusion as the live server.
 * A speaker's items share one voice stream in manifest order, so per-speaker normalisation
 * accumulates as it would over a call. An item with audio and no text gets its text from the
 * recogniser (when one is given): `transcript: {text, source: "asr", confidence}` on its line,
 * and a text estimate whose coverage is scaled by that confidence (lib/asr/asr_coverage.ts).
 */
import { withAsrCoverage } from "../asr/asr_coverage.ts";
import type { Recognizer } from "../asr/recognizer.ts";
import type { Engine } from "../engine/engine.ts";
import type { FaceStage, TextStage, VoiceStage } from "../engine/stages.ts";
import type { FaceExtractor } from "../offline/face_extractor.ts";
import { summarizeEmotion } from "../fusion/emotion_summary.ts";
import { decodeAudio } from "../media/decode.ts";
import { probeMedia } from "../media/probe.ts";
import type { ModalityEstimate } from "../modality/estimate.ts";
import { trimmedSpan } from "../segment/utterance_detector.ts";
import type { ManifestItem } from "./manifest.ts";

/** Samples per ms at the pipeline rate. */
const SAMPLES_PER_MS = 16;
/** Samples per voice feature hop (10 ms). */
const HOP_SAMPLES = 160;

/** One output line. */
export type ItemResult = { id: string; error: string } | ({ id: string } & Record<string, unknown>);

/** A voice stream reused across one speaker's items, with its media clock offset. */
interface SpeakerVoice {
  stage: VoiceStage;
  offsetMs: number;
  chain: Promise<unknown>;
}

/** Analyses items; holds per-speaker voice streams and per-dialogue conversations. */
export class ItemAnalyzer {
  #voices = new Map<string, SpeakerVoice>();

  constructor(
    private readonly engine: Engine,
    /** Opens the face extractor on first use; null when face analysis is unavailable. */
    private readonly faceExtractor: () => Promise<FaceExtractor | null>,
    /** Speech recognition for items with audio and no text; none: such items have no text. */
    private readonly recognizer?: Recognizer,
  ) {}

  /** Analyses one dialogue's items (or one lone item) in order; the text context is shared. */
  async analyzeGroup(items: ManifestItem[]): Promise<ItemResult[]> {
    const conversation = this.engine.createText();
    const out: ItemResult[] = [];
    for (const item of items) out.push(await this.#analyzeItem(item, conversation));
    return out;
  }

  async #analyzeItem(item: ManifestItem, text?: TextStage): Promise<ItemResult> {
    if (item.error) return { id: item.id, error: item.error };
    try {
      let voice: ModalityEstimate | null = null, face: ModalityEstimate | null = null;
      let span = { startMs: 0, endMs: 0 };
      let asr: Promise<AsrOutcome> | undefined;
      if (item.media) {
        const info = await probeMedia(item.media);
        if (!info.hasAudio && !info.hasVideo) throw new Error(`${item.media} holds neither audio nor video`);
        span = { startMs: 0, endMs: info.durationMs };
        if (info.hasAudio) {
          const samples = await decodeAudio(item.media);
          span = await trimmedSpan(this.engine.vad, samples);
          // Recognition runs beside the voice and face analysis; the whole clip goes in (the
          // recogniser has its own endpointing, and VAD ends can clip word edges).
          if (!item.text?.trim() && this.recognizer && span.endMs > span.startMs) {
            asr = recognizeItem(this.recognizer, item, samples);
          }
          if (this.engine.voice && samples.length >= 512) voice = await this.#voice(item, samples, span);
        }
        if (info.hasVideo) face = await this.#face(item, info.isImage ? { startMs: 0, endMs: 0 } : span);
      }
      let textEst: ModalityEstimate | null = null;
      const transcript = asr ? await asr : undefined;
      const itemText = item.text?.trim() || transcript?.text;
      if (itemText && text) {
        const turn = { speaker: item.speaker ?? item.id, text: itemText };
        textEst = await text.estimate(turn);
        if (textEst && transcript) textEst = withAsrCoverage(textEst, transcript.confidence);
        text.commit(turn);
      }
      const summary = summarizeEmotion([voice, face, textEst]);
      if (!summary && transcript) {
        return { id: item.id, error: "no estimate: no speech, face or usable text in the item", transcript };
      }
      if (!summary) {
        const missingModels = [
          item.media && !this.engine.voice && !this.engine.face ? "voice/face models" : "",
          item.text && !this.engine.text ? "text model" : "",
        ].filter(Boolean);
        return {
          id: item.id,
          error: missingModels.length
            ? `no estimate: ${missingModels.join(" and ")} not loaded (${JSON.stringify(this.engine.unavailable)})`
            : "no estimate: no speech, face or usable text in the item",
        };
      }
      return {
        id: item.id,
        ...summary,
        ...(item.media ? { startMs: Math.round(span.startMs), endMs: Math.round(span.endMs) } : {}),
        ...(transcript ? { transcript } : {}),
      };
    } catch (err) {
      return { id: item.id, error: (err as Error).message ?? String(err) };
    }
  }

  /** Runs the speaker's voice stream over the clip; calls for one speaker are serialised. */
  #voice(item: ManifestItem, samples: Float32Array, span: { startMs: number; endMs: number }) {
    const key = item.speaker ?? `\u0000${item.id}`;
    let sv = this.#voices.get(key);
    if (!sv) {
      // Every clip is known speech: estimate it however little is voiced, as training did.
      sv = { stage: this.engine.createVoice({ minVoicedMs: 0 })!, offsetMs: 0, chain: Promise.resolve() };
      this.#voices.set(key, sv);
    }
    const s = sv;
    const run = s.chain.then(async () => {
      const offset = s.offsetMs;
      // Clips are padded to whole 10 ms hops so each starts on the feature frame grid, and its
      // features equal those of the clip alone (training computes them that way).
      const padded = new Float32Array(Math.ceil(samples.length / HOP_SAMPLES) * HOP_SAMPLES);
      padded.set(samples);
      s.stage.push(padded);
      s.offsetMs += padded.length / SAMPLES_PER_MS;
      return await s.stage.analyze({
        utteranceId: item.id,
        startMs: offset + span.startMs,
        endMs: offset + span.endMs,
        final: true,
      });
    });
    s.chain = run.catch(() => {});
    if (item.speaker === undefined) run.finally(() => this.#voices.delete(key));
    return run;
  }

  async #face(item: ManifestItem, span: { startMs: number; endMs: number }): Promise<ModalityEstimate | null> {
    if (!this.engine.face) return null;
    const extractor = await this.faceExtractor();
    if (!extractor) return null;
    const frames = await extractor.extract(item.media!);
    if (frames.length === 0) return null;
    const stage: FaceStage = this.engine.createFace()!;
    for (const f of frames) stage.push(f);
    const lastMs = frames[frames.length - 1].timeMs;
    // A still image (one frame at 0) counts as covering a 250 ms span; a clip without speech is
    // judged over all its frames.
    const s = span.endMs > span.startMs ? span : { startMs: 0, endMs: Math.max(250, lastMs + 1) };
    const est = await stage.analyze({
      utteranceId: item.id,
      startMs: s.startMs,
      endMs: Math.max(s.endMs, 1),
      final: true,
    });
    stage.release();
    return est;
  }
}

/** The `transcript` field of a manifest line whose text came from the recogniser. */
export interface AsrOutcome {
  text: string;
  source: "asr";
  confidence: number;
  /** Why recognition failed (AsrError code and message), when it did. */
  error?: string;
}

async function recognizeItem(recognizer: Recognizer, item: ManifestItem, samples: Float32Array): Promise<AsrOutcome> {
  try {
    const r = await recognizer.recognize(samples, { utteranceId: item.id });
    return { text: r.text, source: "asr", confidence: Math.round(r.confidence * 1e4) / 1e4 };
  } catch (err) {
    const code = (err as { code?: string }).code;
    return { text: "", source: "asr", confidence: 0, error: `${code ? code + ": " : ""}${(err as Error).message}` };
  }
}
