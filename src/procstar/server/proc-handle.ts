import type { ServerMessage } from '../messages.js';
import type { ProcChannel } from './proc-channel.js';

/** Sends a request to the agent running a connection; throws `NotConnectedError` when it is away. */
export type SendToAgent = (connId: string, message: ServerMessage) => void;

/**
 * A process on an agent, as a program driver sees it: its events and the
 * requests it can make (procstar-protocol.md §2.2). Requests throw
 * `NotConnectedError` while the agent is disconnected; answers arrive as
 * events on `channel`.
 */
export class ProcHandle {
  constructor(
    readonly channel: ProcChannel,
    private readonly send: SendToAgent,
    private readonly release: (procId: string) => void,
  ) {}

  get procId(): string {
    return this.channel.procId;
  }

  get connId(): string {
    return this.channel.connId;
  }

  requestResult(): void {
    this.send(this.connId, { type: 'ProcResultRequest', proc_id: this.procId });
  }

  /** Bytes `[start, stop)` of a captured fd; `stop` null = to the end. */
  requestFdData(fd: string, start: number, stop: number | null): void {
    this.send(this.connId, { type: 'ProcFdDataRequest', proc_id: this.procId, fd, start, stop });
  }

  signal(signum: number): void {
    this.send(this.connId, { type: 'ProcSignalRequest', proc_id: this.procId, signum });
  }

  delete(): void {
    this.send(this.connId, { type: 'ProcDeleteRequest', proc_id: this.procId });
  }

  /** Stops routing events to this handle (the run no longer follows the process). */
  detach(): void {
    this.channel.close();
    this.release(this.procId);
  }
}
