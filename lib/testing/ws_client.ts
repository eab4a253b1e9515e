/** A small WebSocket test client that records every message and the close. */

/** Records what a socket receives. */
export class TestSocket {
  readonly ws: WebSocket;
  readonly messages: Record<string, unknown>[] = [];
  closeCode?: number;
  closeReason?: string;
  readonly opened: Promise<void>;
  readonly closed: Promise<void>;
  #waiters: (() => void)[] = [];

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.binaryType = "arraybuffer";
    this.opened = new Promise((resolve, reject) => {
      this.ws.onopen = () => resolve();
      this.ws.onerror = () => reject(new Error(`cannot connect to ${url}`));
    });
    this.closed = new Promise((resolve) => {
      this.ws.onclose = (e) => {
        this.closeCode = e.code;
        this.closeReason = e.reason;
        this.#notify();
        resolve();
      };
    });
    this.ws.onmessage = (e) => {
      this.messages.push(JSON.parse(e.data as string));
      this.#notify();
    };
  }

  #notify(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Waits until `pred` holds over the messages so far (or the socket closes), up to `timeoutMs`. */
  async waitFor(pred: (msgs: Record<string, unknown>[]) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.messages)) {
      if (this.closeCode !== undefined) throw new Error(`socket closed (${this.closeCode} ${this.closeReason}) while waiting`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; got ${JSON.stringify(this.messages.map((m) => m.type))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  /** Messages of one type. */
  ofType(type: string): Record<string, unknown>[] {
    return this.messages.filter((m) => m.type === type);
  }

  send(data: string | ArrayBufferLike | Uint8Array): void {
    this.ws.send(data as string);
  }

  json(value: unknown): void {
    this.ws.send(JSON.stringify(value));
  }

  close(): void {
    if (this.ws.readyState <= 1) this.ws.close();
  }
}

/** 16-bit little-endian PCM bytes of float samples. */
export function toPcm16(samples: Float32Array): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < samples.length; i++) {
    view.setInt16(i * 2, Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32767))), true);
  }
  return out;
}
