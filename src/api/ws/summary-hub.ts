import type { AgentConnectionView, AgentServer } from '../../procstar/index.js';
import { formatRunId, isFinished } from '../../runs/index.js';
import type { Runtime } from '../../runtime/index.js';
import type { RunRecord } from '../../store/index.js';
import type { Clock, TimerHandle } from '../../time/index.js';
import { agentConnJso } from '../agent-conn-jso.js';
import { runSummaryJso } from '../run-jso.js';
import { CLOSE, type ClientSocket } from './client-socket.js';

/** A summary message, serialized once for every subscriber. */
interface Published {
  readonly seq: number;
  /** Null for a gap: messages left unpublished, which no client can resume across. */
  readonly json: string | null;
}

export interface SummaryHubOptions {
  readonly runtime: Runtime;
  readonly agents: AgentServer | null;
  readonly clock: Clock;
  /** Live messages are sent in batches, this long after the first of a batch. Default 100 ms (Apsis: 500). */
  readonly batchMs?: number;
  /** Messages kept for clients that resume (`?resume=SEQ`). */
  readonly resumeWindow?: number;
  /** A client this many messages behind is dropped (it may resume). */
  readonly maxQueued?: number;
}

/** Largest frame, in messages (Apsis: 4096 live, 65 536 in the snapshot). */
export const FRAME_MESSAGES = 4096;

/**
 * One subscriber. While its snapshot is sent it has a queue of its own,
 * bounded by `maxQueued`; once live, it takes the hub's shared frames, built
 * once per batch for every subscriber. Either way a client that falls
 * behind (too many queued, or more than its high-water mark unsent) is
 * closed with 1013 and the sequence number to resume from, instead of the
 * server buffering for it without limit (Apsis's LIMIT, §3.1).
 */
export class SummarySubscriber {
  private queue: Published[] = [];
  /** While the snapshot is sent, live messages wait here. */
  holding = true;
  /** The last message this client was sent (or had before it subscribed). */
  sentSeq: number;

  constructor(
    private readonly hub: SummaryHub,
    readonly socket: ClientSocket,
    fromSeq: number,
  ) {
    this.sentSeq = fromSeq;
  }

  /** Queues a message while the snapshot goes out (live messages come in shared frames). */
  hold(message: Published): void {
    if (this.socket.isClosed || message.json === null) return;
    this.queue.push(message);
    if (this.queue.length > this.hub.maxQueued) this.drop();
  }

  /** The snapshot is out: send what queued meanwhile, then go live. */
  release(): void {
    const queued = this.queue;
    this.queue = [];
    this.holding = false;
    this.sendFrames(queued);
  }

  /** Sends messages in frames; `frames` when the hub already built them for these messages. */
  sendFrames(messages: readonly Published[], frames?: readonly string[]): void {
    if (this.socket.isClosed || messages.length === 0) return;
    if (this.socket.isSlow) {
      this.drop();
      return;
    }
    for (const frame of frames ?? buildFrames(messages)) this.socket.send(frame);
    this.sentSeq = messages[messages.length - 1]!.seq;
  }

  drop(): void {
    // A client dropped mid-snapshot lacks part of it: it needs a new one, not the messages since.
    const reason = this.holding
      ? 'too slow; reconnect with ?init'
      : `too slow; resume=${this.sentSeq}`;
    this.queue = [];
    this.socket.close(CLOSE.tryAgainLater, reason);
  }

  stop(): void {
    this.queue = [];
  }
}

/** Frames of at most FRAME_MESSAGES messages each, as JSON arrays. */
function buildFrames(messages: readonly Published[]): string[] {
  const frames: string[] = [];
  for (let i = 0; i < messages.length; i += FRAME_MESSAGES)
    frames.push(
      `[${messages
        .slice(i, i + FRAME_MESSAGES)
        .map((m) => m.json as string)
        .join(',')}]`,
    );
  return frames;
}

/**
 * The summary stream's publisher (apsis-interfaces.md §3.1): every run
 * transition, job change and agent connection change becomes one message,
 * serialized once, numbered, kept in a window for resuming clients, and
 * queued to each subscriber.
 */
export class SummaryHub {
  readonly clock: Clock;
  readonly batchMs: number;
  readonly maxQueued: number;
  private readonly resumeWindow: number;
  private readonly subscribers = new Set<SummarySubscriber>();
  private readonly ring: (Published | undefined)[];
  private ringNext = 0;
  private seq: number;
  /** States of runs not yet finished, to tell a transition from a metadata write. */
  private readonly liveStates = new Map<string, string>();
  private readonly unsubscribe: (() => void)[] = [];
  private pending: Published[] = [];
  private batchTimer: TimerHandle | undefined;

  constructor(options: SummaryHubOptions) {
    this.clock = options.clock;
    // Numbers go on from the start time in µs, so they grow across daemon
    // restarts: a client resuming from a number of the previous process is
    // never taken for one that missed only a few of this one's messages.
    this.seq = Math.max(0, Math.floor(options.clock.now())) * 1000;
    this.batchMs = options.batchMs ?? 100;
    this.maxQueued = options.maxQueued ?? 100_000;
    this.resumeWindow = options.resumeWindow ?? 50_000;
    this.ring = new Array<Published | undefined>(this.resumeWindow);
    this.unsubscribe.push(options.runtime.bus.subscribe((run) => this.runWritten(run)));
    this.unsubscribe.push(
      options.runtime.scheduler.onExpected((first, count) =>
        this.expectedAdded(options.runtime, first, count),
      ),
    );
    if (options.agents)
      this.unsubscribe.push(
        options.agents.onChange((conn) =>
          typeof conn === 'string'
            ? this.publish({ type: 'agent_conn_delete', conn_id: conn })
            : this.publish(agentConnMessage(conn)),
        ),
      );
  }

  get size(): number {
    return this.subscribers.size;
  }

  /** The sequence number of the latest message. */
  get latest(): number {
    return this.seq;
  }

  private runWritten(run: RunRecord): void {
    const before = this.liveStates.get(run.runId);
    if (before === run.state) return; // a metadata write, not a transition
    if (isFinished(run.state)) this.liveStates.delete(run.runId);
    else this.liveStates.set(run.runId, run.state);
    if (this.subscribers.size === 0 && this.resumeWindow === 0) return;
    this.publish({ type: 'run_transition', run_summary: runSummaryJso(run) });
  }

  /**
   * Announces expected runs as the horizon advances, as Apsis does
   * (`run_transition` to scheduled). Binding each is the cost, so with
   * nobody listening they are not bound: a gap is recorded instead, and a
   * client resuming across it gets a snapshot, where they are.
   */
  private expectedAdded(runtime: Runtime, first: number, count: number): void {
    if (this.subscribers.size === 0) {
      this.record({ seq: ++this.seq, json: null });
      return;
    }
    for (let n = first; n < first + count; n++) {
      const run = runtime.scheduler.expectedRun(formatRunId(n))?.run;
      if (run) this.publish({ type: 'run_transition', run_summary: runSummaryJso(run) });
    }
  }

  publish(message: Record<string, unknown>): void {
    const seq = ++this.seq;
    const published = { seq, json: JSON.stringify({ ...message, seq }) };
    this.record(published);
    if (this.subscribers.size === 0) return;
    let live = false;
    for (const subscriber of this.subscribers) {
      if (subscriber.holding) subscriber.hold(published);
      else live = true;
    }
    if (!live) return;
    this.pending.push(published);
    this.batchTimer ??= this.clock.setTimeout(() => this.flush(), this.batchMs);
  }

  /**
   * Sends the batch to every live subscriber: the frames are built once and
   * the same strings go to all (a subscriber that went live mid-batch gets
   * only what came after).
   */
  private flush(): void {
    this.batchTimer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const first = batch[0]!.seq;
    let frames: string[] | undefined;
    for (const subscriber of this.subscribers) {
      if (subscriber.holding) continue;
      if (subscriber.sentSeq < first) subscriber.sendFrames(batch, (frames ??= buildFrames(batch)));
      else subscriber.sendFrames(batch.filter((m) => m.seq > subscriber.sentSeq));
    }
  }

  private record(published: Published): void {
    if (this.ring.length === 0) return;
    this.ring[this.ringNext] = published;
    this.ringNext = (this.ringNext + 1) % this.ring.length;
  }

  /**
   * Subscribes a socket. With `resume`, queues the messages after that
   * sequence number and returns true, if the window still holds them all;
   * otherwise the caller sends a snapshot first.
   */
  subscribe(
    socket: ClientSocket,
    resume?: number,
  ): { subscriber: SummarySubscriber; resumed: boolean } {
    const subscriber = new SummarySubscriber(this, socket, this.seq);
    let resumed = false;
    if (resume !== undefined && resume <= this.seq) {
      const missed = this.since(resume);
      if (missed) {
        for (const message of missed) subscriber.hold(message);
        resumed = true;
      }
    }
    this.subscribers.add(subscriber);
    socket.onClose = () => {
      subscriber.stop();
      this.subscribers.delete(subscriber);
    };
    return { subscriber, resumed };
  }

  /** Messages after `seq`, or undefined when some have left the window. */
  private since(seq: number): Published[] | undefined {
    const count = this.seq - seq;
    if (count === 0) return [];
    if (count > this.ring.length) return undefined;
    const out: Published[] = [];
    for (let k = count; k > 0; k--) {
      const message = this.ring[(this.ringNext - k + this.ring.length) % this.ring.length];
      if (!message || message.seq !== this.seq - k + 1 || message.json === null) return undefined;
      out.push(message);
    }
    return out;
  }

  close(): void {
    if (this.batchTimer !== undefined) this.clock.clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    for (const off of this.unsubscribe.splice(0)) off();
    for (const subscriber of [...this.subscribers])
      subscriber.socket.close(1001, 'server stopping');
  }
}

export function agentConnMessage(conn: AgentConnectionView): Record<string, unknown> {
  return { type: 'agent_conn', conn: agentConnJso(conn) };
}
