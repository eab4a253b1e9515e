/**
 * One WebSocket with what every connection needs: an awaitable open with a timeout, typed
 * callbacks, back-pressure on sends (above `highWaterMark` buffered bytes a send waits for the
 * socket to drain; WebSocket has no drain event, so the buffer is polled) and a close that
 * resolves. Runs in browsers, Deno and Node: only WebSocket, setTimeout and Promise.
 */
import { ClientError } from "./errors.ts";
import type { ConnectionOptions } from "./types.ts";

/** Poll interval while waiting for the send buffer to drain, in ms. */
const DRAIN_POLL_MS = 10;

/** Resolved options. */
export interface ResolvedConnectionOptions {
  openTimeoutMs: number;
  highWaterMark: number;
  drainTimeoutMs: number;
}

/** Fills defaults and checks ranges. */
export function resolveConnectionOptions(o: ConnectionOptions = {}): ResolvedConnectionOptions {
  const r = {
    openTimeoutMs: o.openTimeoutMs ?? 10_000,
    highWaterMark: o.highWaterMark ?? 1024 * 1024,
    drainTimeoutMs: o.drainTimeoutMs ?? 10_000,
  };
  if (!(r.openTimeoutMs > 0)) throw new RangeError("openTimeoutMs must be > 0");
  if (!(r.highWaterMark >= 0)) throw new RangeError("highWaterMark must be ≥ 0");
  if (!(r.drainTimeoutMs > 0)) throw new RangeError("drainTimeoutMs must be > 0");
  return r;
}

/** Handlers a managed socket calls. */
export interface SocketHandlers {
  message(data: string | ArrayBuffer): void;
  close(code: number, reason: string): void;
}

/** An open WebSocket. */
export class ManagedSocket {
  readonly closed: Promise<{ code: number; reason: string }>;
  #ws: WebSocket;

  private constructor(
    ws: WebSocket,
    closed: Promise<{ code: number; reason: string }>,
    private readonly o: ResolvedConnectionOptions,
  ) {
    this.#ws = ws;
    this.closed = closed;
  }

  /** Opens `url`; rejects with ClientError "timeout" or "refused". */
  static open(url: string, handlers: SocketHandlers, o: ResolvedConnectionOptions): Promise<ManagedSocket> {
    return new Promise((resolve, reject) => {
      let opened = false;
      let ws: WebSocket;
      try {
        ws = new WebSocket(url);
      } catch (err) {
        reject(new ClientError("refused", `cannot open ${redact(url)}: ${(err as Error).message}`));
        return;
      }
      ws.binaryType = "arraybuffer";
      let resolveClosed!: (v: { code: number; reason: string }) => void;
      const closed = new Promise<{ code: number; reason: string }>((r) => resolveClosed = r);
      const timer = setTimeout(() => {
        if (opened) return;
        try {
          ws.close();
        } catch { /* closing a socket that never opened */ }
        reject(new ClientError("timeout", `${redact(url)} did not open within ${o.openTimeoutMs} ms`));
      }, o.openTimeoutMs);
      ws.onopen = () => {
        opened = true;
        clearTimeout(timer);
        resolve(new ManagedSocket(ws, closed, o));
      };
      ws.onerror = () => {
        if (opened) return;
        clearTimeout(timer);
        reject(new ClientError("refused", `cannot connect to ${redact(url)}`));
      };
      ws.onmessage = (e) => handlers.message(e.data as string | ArrayBuffer);
      ws.onclose = (e) => {
        clearTimeout(timer);
        resolveClosed({ code: e.code, reason: e.reason });
        if (!opened) {
          reject(
            new ClientError("refused", `${redact(url)} closed before opening (${e.code})`, undefined, false, e.code),
          );
        } else handlers.close(e.code, e.reason);
      };
    });
  }

  /** Whether the socket is open. */
  get isOpen(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  /** Bytes queued but not yet sent. */
  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  /** Sends once the buffer is below the high-water mark; rejects with "closed" or "timeout". */
  async send(data: string | Uint8Array | ArrayBuffer): Promise<void> {
    if (this.#ws.bufferedAmount > this.o.highWaterMark) await this.drain();
    if (!this.isOpen) throw new ClientError("closed", "the socket is closed");
    this.#ws.send(data as string);
  }

  /**
   * Sends at once unless the socket is closed or its buffer is above the high-water mark: then
   * drops the message and returns false (live media that would only arrive late).
   */
  trySend(data: string | Uint8Array | ArrayBuffer): boolean {
    if (!this.isOpen || this.#ws.bufferedAmount > this.o.highWaterMark) return false;
    this.#ws.send(data as string);
    return true;
  }

  /** Resolves when the send buffer is at or below the high-water mark. */
  async drain(): Promise<void> {
    const deadline = Date.now() + this.o.drainTimeoutMs;
    while (this.#ws.bufferedAmount > this.o.highWaterMark) {
      if (!this.isOpen) throw new ClientError("closed", "the socket closed while sends were waiting");
      if (Date.now() > deadline) {
        throw new ClientError("timeout", `the send buffer did not drain within ${this.o.drainTimeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
    }
  }

  /** Closes (idempotent) and resolves once closed. */
  async close(code = 1000, reason = ""): Promise<{ code: number; reason: string }> {
    if (this.#ws.readyState === WebSocket.CONNECTING || this.#ws.readyState === WebSocket.OPEN) {
      this.#ws.close(code, reason);
    }
    return await this.closed;
  }
}

/** The URL without its token, for messages. */
export function redact(url: string): string {
  return url.replace(/([?&]token=)[^&]*/, "$1…");
}

/** Resolves after `ms`, or rejects with a timeout ClientError naming `what`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ClientError("timeout", `${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
