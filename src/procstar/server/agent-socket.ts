import type { WebSocket } from 'ws';
import { encodeMessage } from '../codec.js';
import type { ServerMessage } from '../messages.js';

/** A request could not be sent: the agent's socket is closed. */
export class NotConnectedError extends Error {
  constructor(readonly connId: string) {
    super(`not connected, but may reconnect: ${connId}`);
    this.name = 'NotConnectedError';
  }
}

/** How often the server pings an agent, and how long it waits for the pong (as procstar's server). */
export const PING_INTERVAL_MS = 20_000;

/**
 * One websocket from an agent: binary frames out, message counts, and a
 * keepalive that drops a socket whose agent stopped answering pings (a dead
 * TCP peer otherwise looks connected until the OS gives up, hours later).
 */
export class AgentSocket {
  numReceived = 0;
  numSent = 0;
  /** Set once the agent registered on this socket. */
  connId: string | undefined;
  private alive = true;
  private readonly pinger: NodeJS.Timeout;

  constructor(
    /** The server's number for this socket, unique for the daemon's life. */
    readonly id: number,
    private readonly ws: WebSocket,
    readonly address: string,
    readonly port: number,
    pingIntervalMs: number = PING_INTERVAL_MS,
  ) {
    ws.on('pong', () => {
      this.alive = true;
    });
    this.pinger = setInterval(() => {
      if (!this.alive) {
        ws.terminate();
        return;
      }
      this.alive = false;
      ws.ping();
    }, pingIntervalMs);
    this.pinger.unref();
    ws.once('close', () => clearInterval(this.pinger));
  }

  get isOpen(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  /** Sends one message; throws `NotConnectedError` when the socket is not open. */
  send(message: ServerMessage): void {
    if (!this.isOpen) throw new NotConnectedError(this.connId ?? `socket ${this.id}`);
    this.ws.send(encodeMessage(message), { binary: true });
    this.numSent += 1;
  }

  close(code: number, reason: string): void {
    clearInterval(this.pinger);
    if (this.ws.readyState === this.ws.CONNECTING || this.ws.readyState === this.ws.OPEN)
      this.ws.close(code, reason);
  }

  terminate(): void {
    clearInterval(this.pinger);
    this.ws.terminate();
  }
}
