/**
 * Worker entry for {@linkcode VoiceWorkerPool}: loads the voice model once and owns every
 * participant's VoiceStream (eGeMAPS extraction, speaker normaliser), so feature extraction runs
 * off the thread that serves sockets. Messages are handled in arrival order, so an analysis
 * always sees the audio pushed before it.
 */
import { VoiceModel, VoiceStream } from "../voice/mod.ts";

let model: VoiceModel | undefined;
const streams = new Map<number, VoiceStream>();

function reply(msg: Record<string, unknown>): void {
  scope.postMessage(msg);
}

/** The worker's global scope, typed (this module is also type-checked outside a worker). */
const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = async (e: MessageEvent) => {
  const m = e.data;
  try {
    switch (m.type) {
      case "init":
        model = await VoiceModel.load(m.modelsDir);
        reply({ type: "ready", name: model.name, card: model.card });
        break;
      case "open":
        streams.set(m.stream, new VoiceStream(model!, { startFrame: m.startFrame ?? 0, deferMs: m.deferMs }));
        break;
      case "push":
        streams.get(m.stream)?.push(m.samples);
        break;
      case "push_many": {
        // Audio of several streams gathered by the pool: lengths[i] samples of streams[i], in order,
        // and where each stream's segmenter stood (earliest utterance start, -1 when not told).
        let o = 0;
        for (let i = 0; i < m.streams.length; i++) {
          const n = m.lengths[i];
          const s = streams.get(m.streams[i]);
          s?.push(m.samples.subarray(o, o + n));
          if (s && m.earliest && m.earliest[i] >= 0) s.speech(m.earliest[i], m.inSpeech[i] === 1);
          o += n;
        }
        break;
      }
      case "gap":
        streams.get(m.stream)?.skip(m.samples);
        break;
      case "mark":
        // Everything posted before the mark has been handled: the pool's measure of backlog.
        reply({ type: "mark", samples: m.samples });
        break;
      case "analyze": {
        const s = streams.get(m.stream);
        const estimate = s ? await s.analyze(m.span) : null;
        reply({ type: "result", id: m.id, value: estimate });
        break;
      }
      case "summary": {
        const s = streams.get(m.stream);
        reply({ type: "result", id: m.id, value: s ? s.summary(m.span) : null });
        break;
      }
      case "release":
        streams.get(m.stream)?.release();
        streams.delete(m.stream);
        break;
    }
  } catch (err) {
    if (m.type === "init") reply({ type: "init_error", message: (err as Error).message });
    else if (m.id !== undefined) reply({ type: "result", id: m.id, error: (err as Error).message });
  }
};
