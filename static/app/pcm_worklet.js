/**
 * AudioWorklet processor: microphone → 16 kHz mono Int16 frames of 20 ms, posted to the main
 * thread with their RMS level. Runs on the audio rendering thread, so it must not allocate per
 * block beyond the frame it hands over.
 *
 * Resampling is windowed-sinc interpolation (Smith, "Digital Audio Resampling", CCRMA): each
 * output sample is Σ x[n]·h(t − n) with h a low-pass sinc, cut off below the output Nyquist
 * frequency so that downsampling does not alias, under a Blackman window of ±HALF_TAPS input
 * samples. At 48 kHz that is 64 multiply-adds per output sample.
 */

/** Output sample rate, Hz (the wire format announced in `hello`). */
const TARGET_RATE = 16000;
/** Output samples per posted frame: 20 ms. */
const FRAME_SAMPLES = 320;
/** Half-width of the interpolation kernel, in input samples. */
const HALF_TAPS = 32;
/** Cut-off as a fraction of the output Nyquist frequency: 0.9 · 8 kHz = 7.2 kHz. */
const CUTOFF = 0.9;
/** Kernel table resolution: entries per input sample (values between are interpolated linearly). */
const PHASES = 128;

class PcmDownsampler extends AudioWorkletProcessor {
  constructor() {
    super();
    // `sampleRate` is the AudioWorkletGlobalScope's context rate.
    this.step = sampleRate / TARGET_RATE; // input samples per output sample
    this.fc = Math.min(1, TARGET_RATE / sampleRate) * CUTOFF * 0.5; // cycles per input sample
    this.passthrough = sampleRate === TARGET_RATE;
    // Input history: enough for the kernel plus a few render quanta.
    this.buf = new Float32Array(HALF_TAPS * 2 + 2048);
    this.bufStart = 0; // absolute input index of buf[0]
    this.bufLen = 0;
    this.t = HALF_TAPS; // absolute input position of the next output sample
    this.frame = new Int16Array(FRAME_SAMPLES);
    this.frameLen = 0;
    this.sumSq = 0;
    this.mono = new Float32Array(128);
    // The kernel is tabulated once: no trigonometry on the audio thread per sample.
    this.table = new Float32Array(2 * HALF_TAPS * PHASES + 2);
    for (let j = 0; j < this.table.length; j++) this.table[j] = this.exactKernel(j / PHASES - HALF_TAPS);
  }

  /** Windowed-sinc low-pass value at distance d (input samples) from the output instant. */
  exactKernel(d) {
    if (d <= -HALF_TAPS || d >= HALF_TAPS) return 0;
    const x = 2 * this.fc * d;
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const w = 0.42 + 0.5 * Math.cos((Math.PI * d) / HALF_TAPS) + 0.08 * Math.cos((2 * Math.PI * d) / HALF_TAPS);
    return 2 * this.fc * sinc * w;
  }

  /** Tabulated kernel, linearly interpolated. */
  kernel(d) {
    const pos = (d + HALF_TAPS) * PHASES;
    if (pos <= 0 || pos >= this.table.length - 1) return 0;
    const j = Math.floor(pos);
    const f = pos - j;
    return this.table[j] * (1 - f) + this.table[j + 1] * f;
  }

  emit(sample) {
    const s = Math.max(-1, Math.min(1, sample));
    this.sumSq += s * s;
    this.frame[this.frameLen++] = s < 0 ? s * 32768 : s * 32767;
    if (this.frameLen === FRAME_SAMPLES) {
      const rms = Math.sqrt(this.sumSq / FRAME_SAMPLES);
      const out = this.frame;
      this.port.postMessage({ pcm: out.buffer, rms }, [out.buffer]);
      this.frame = new Int16Array(FRAME_SAMPLES);
      this.frameLen = 0;
      this.sumSq = 0;
    }
  }

  process(inputs) {
    const channels = inputs[0];
    if (!channels || channels.length === 0) return true;
    const n = channels[0].length;
    // Downmix to mono.
    if (this.mono.length < n) this.mono = new Float32Array(n);
    const mono = this.mono.subarray(0, n);
    mono.fill(0);
    for (const ch of channels) for (let i = 0; i < n; i++) mono[i] += ch[i] / channels.length;
    if (this.passthrough) {
      for (let i = 0; i < n; i++) this.emit(mono[i]);
      return true;
    }
    if (this.bufLen + n > this.buf.length) {
      const bigger = new Float32Array((this.bufLen + n) * 2);
      bigger.set(this.buf.subarray(0, this.bufLen));
      this.buf = bigger;
    }
    this.buf.set(mono, this.bufLen);
    this.bufLen += n;
    const end = this.bufStart + this.bufLen; // absolute index one past the newest input
    while (this.t + HALF_TAPS < end) {
      const center = Math.floor(this.t);
      let acc = 0;
      for (let k = center - HALF_TAPS + 1; k <= center + HALF_TAPS; k++) {
        const i = k - this.bufStart;
        if (i >= 0) acc += this.buf[i] * this.kernel(this.t - k);
      }
      this.emit(acc);
      this.t += this.step;
    }
    // Keep what the next outputs still need.
    const keepFrom = Math.max(0, Math.floor(this.t) - HALF_TAPS - this.bufStart);
    if (keepFrom > 0) {
      this.buf.copyWithin(0, keepFrom, this.bufLen);
      this.bufLen -= keepFrom;
      this.bufStart += keepFrom;
    }
    return true;
  }
}

registerProcessor("pcm-downsampler", PcmDownsampler);
