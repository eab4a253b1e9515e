/**
 * Microphone capture: a MediaStream's audio track → AudioWorklet (pcm_worklet.js) → 20 ms frames
 * of 16 kHz mono Int16 PCM handed to `onFrame` on the main thread, with their RMS level.
 */

/** URL of the worklet module. */
const WORKLET_URL = new URL("./pcm_worklet.js", import.meta.url).href;

/**
 * Starts capturing `stream`'s audio. The AudioContext runs at the device's native rate (Firefox
 * refuses to connect a stream to a context of another rate); the worklet resamples to 16 kHz.
 * @param {MediaStream} stream
 * @param {(pcm: ArrayBuffer, rms: number) => void} onFrame
 * @returns {Promise<{ context: AudioContext, stop: () => Promise<void> }>}
 */
export async function startMicrophone(stream, onFrame) {
  const context = new AudioContext({ latencyHint: "interactive" });
  await context.audioWorklet.addModule(WORKLET_URL);
  const source = context.createMediaStreamSource(stream);
  const node = new AudioWorkletNode(context, "pcm-downsampler", {
    numberOfInputs: 1,
    numberOfOutputs: 1,
    channelCountMode: "explicit",
    channelCount: 2,
  });
  node.port.onmessage = (e) => onFrame(e.data.pcm, e.data.rms);
  // The node is pulled by the graph only when connected onwards; a muted gain keeps it silent.
  const mute = context.createGain();
  mute.gain.value = 0;
  source.connect(node).connect(mute).connect(context.destination);
  if (context.state !== "running") await context.resume();
  return {
    context,
    async stop() {
      node.port.onmessage = null;
      source.disconnect();
      node.disconnect();
      await context.close();
    },
  };
}
