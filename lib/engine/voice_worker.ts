/**
 * Worker entry for {@linkcode VoiceWorkerPool}: loads the voice model once and owns every
 * participant's VoiceStream (eGeMAPS extraction, speaker normaliser), so feature extraction runs
 * off the thread that serves sockets. Messages are handled in arrival order, so an analysis
 * always sees the audio pushed before it.
 */
import { VoiceModel, VoiceStream } from "../voice/mod.ts";
import { warmUpVoice } from "../voice/warm_up.ts";
import { setThreadNice, VOICE_WORKER_NICE } from "./thread_priority.ts";

// Below the socket thread and the VAD worker when the cores are busy (thread_priority.ts).
setThreadNice(VOICE_WORKER_NICE);

let model: VoiceModel | undefined;
const streams = new Map<number, VoiceStream>();

/**
 * Audio is only buffered as it arrives; its LLDs are computed in slices of at most SLICE_MS,
 * FRAMES_PER_TURN frames per stream in turn, between messages. An analysis request analyses its
 * own stream's waiting frames first, so a final estimate never waits for every other
 * participant's feature extraction.
 */
const SLICE_MS = 4;
const FRAMES_PER_TURN = 10;
/** Streams with frames ready to analyse. */
const work = new Set<VoiceStream>();
let draining = false;
/** Frames handled (analysed or passed over) over every stream so far. */
let drained = 0;

/** Runs `fn` on a stream, counting the frames it handles. */
function counted<T>(s: VoiceStream, fn: () => T): T {
  const before = s.frameCount;
  try {
    return fn();
  } finally {
    drained += s.frameCount - before;
  }
}
/**
 * Backlog marks waiting for the extraction to catch up with the audio before them (the pool's
 * `lagMs`): each is answered once as many frames were drained as were ready when it arrived.
 */
let marks: { samples: number; until: number }[] = [];

/*
 * Slices are chained with setTimeout(0), not a message channel: timers run between them (the voice
 * model's batching wait is a timer; under a chain of message-channel tasks a 2 ms timer fired after
 * about 520 ms, measured), at the price of a clamped hop (about 2 ms here) when frames are waiting.
 */
function schedule(s: VoiceStream): void {
  if (s.pendingFrames > 0) work.add(s);
  if (!draining && work.size) {
    draining = true;
    setTimeout(drainSlice, 0);
  }
}

function drainSlice(): void {
  const t0 = performance.now();
  while (work.size && performance.now() - t0 < SLICE_MS) {
    for (const s of work) {
      counted(s, () => s.drain(FRAMES_PER_TURN));
      if (s.pendingFrames === 0) work.delete(s);
    }
  }
  draining = work.size > 0;
  while (marks.length && (!draining || marks[0].until <= drained)) {
    reply({ type: "mark", samples: marks.shift()!.samples });
  }
  if (draining) setTimeout(drainSlice, 0);
}

function mark(samples: number): void {
  let ready = 0;
  for (const s of work) ready += s.pendingFrames;
  if (ready === 0) reply({ type: "mark", samples });
  else marks.push({ samples, until: drained + ready });
}

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
        // Compiled before the first participant speaks (warm_up.ts); a restarted worker warms up again.
        await warmUpVoice(model);
        reply({ type: "ready", name: model.name, card: model.card });
        break;
      case "open":
        streams.set(
          m.stream,
          new VoiceStream(model!, { startFrame: m.startFrame ?? 0, deferMs: m.deferMs, analyzeOnPush: false }),
        );
        break;
      case "push": {
        const s = streams.get(m.stream);
        if (s) (counted(s, () => s.push(m.samples)), schedule(s));
        break;
      }
      case "push_many": {
        // Audio of several streams gathered by the pool: lengths[i] samples of streams[i], in order,
        // and where each stream's segmenter stood (earliest utterance start, -1 when not told).
        let o = 0;
        for (let i = 0; i < m.streams.length; i++) {
          const n = m.lengths[i];
          const s = streams.get(m.streams[i]);
          if (s) {
            counted(s, () => {
              s.push(m.samples.subarray(o, o + n));
              if (m.earliest && m.earliest[i] >= 0) {
                s.speech(m.earliest[i], m.inSpeech[i] === 1, m.until && m.until[i] >= 0 ? m.until[i] : undefined);
              }
            });
            schedule(s);
          }
          o += n;
        }
        break;
      }
      case "gap": {
        const s = streams.get(m.stream);
        if (s) (counted(s, () => s.skip(m.samples)), schedule(s));
        break;
      }
      case "mark":
        // Everything posted before the mark has been handled, its features included: the pool's
        // measure of backlog.
        mark(m.samples);
        break;
      case "analyze": {
        const s = streams.get(m.stream);
        const estimate = s ? await counted(s, () => s.analyze(m.span)) : null;
        reply({ type: "result", id: m.id, value: estimate });
        break;
      }
      case "summary": {
        const s = streams.get(m.stream);
        reply({ type: "result", id: m.id, value: s ? counted(s, () => s.summary(m.span)) : null });
        break;
      }
      case "release": {
        const s = streams.get(m.stream);
        if (s) (s.release(), work.delete(s));
        streams.delete(m.stream);
        break;
      }
    }
  } catch (err) {
    if (m.type === "init") reply({ type: "init_error", message: (err as Error).message });
    else if (m.id !== undefined) reply({ type: "result", id: m.id, error: (err as Error).message });
  }
};
