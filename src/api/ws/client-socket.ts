import type { WebSocket } from 'ws';

/** Bytes a client may have unsent before it counts as slow. */
export const DEFAULT_HIGH_WATER_BYTES = 8 * 1024 * 1024;
/** Server pings this often; a client that has not answered by the next ping is dropped. */
const PING_INTERVAL_MS = 30_000;

/** Close codes we use (RFC 6455 §7.4 and the IANA registry). */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  policy: 1008,
  /** "Try again later": the client was too slow; it may reconnect and resume. */
  tryAgainLater: 1013,
} as const;

/**
 * A websocket as the API's streams use it: sends that know how much is
 * still unsent, a wait for it to drain, pings that drop a dead peer, and
 * one place that closes it. Nothing here buffers: callers decide what to do
 * when the client falls behind (drop it, or coalesce), so memory is bounded.
 */
export class ClientSocket {
  private closedFlag = false;
  private readonly drainWaiters: (() => void)[] = [];
  private readonly pinger: NodeJS.Timeout;
  private alive = true;
  /** Called once when the socket closes, for whatever reason. */
  onClose: (() => void) | undefined;

  constructor(
    readonly ws: WebSocket,
    readonly highWaterBytes = DEFAULT_HIGH_WATER_BYTES,
  ) {
    ws.on('close', () => this.closed());
    ws.on('error', () => this.closed());
    ws.on('pong', () => (this.alive = true));
    // Client messages are ignored (apsis-interfaces.md §3), but must be read.
    ws.on('message', () => undefined);
    this.pinger = setInterval(() => {
      if (!this.alive) {
        ws.terminate();
        return;
      }
      this.alive = false;
      ws.ping();
    }, PING_INTERVAL_MS);
    this.pinger.unref();
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  /** Bytes handed to the socket and not yet written to the network. */
  get buffered(): number {
    return this.ws.bufferedAmount;
  }

  get isSlow(): boolean {
    return this.buffered > this.highWaterBytes;
  }

  send(data: string | Buffer): void {
    if (this.closedFlag) return;
    this.ws.send(data, (err) => {
      if (err) this.closed();
      else this.checkDrained();
    });
  }

  /** Resolves once the unsent bytes are under half the high-water mark (or the socket closed). */
  drained(): Promise<void> {
    if (this.closedFlag || this.buffered <= this.highWaterBytes / 2) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  close(code: number = CLOSE.normal, reason = ''): void {
    if (this.closedFlag) return;
    this.ws.close(code, reason.slice(0, 120));
    this.closed();
  }

  private checkDrained(): void {
    if (this.buffered > this.highWaterBytes / 2) return;
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  private closed(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    clearInterval(this.pinger);
    for (const resolve of this.drainWaiters.splice(0)) resolve();
    this.onClose?.();
  }
}
