import { randomFillSync } from 'node:crypto';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { ProtocolError, decodeServerMessage, encodeMessage } from '../codec.js';
import type { AgentMessage } from '../messages.js';
import type { AgentClock, AgentTimer } from './clock.js';
import { isEncodedFrame, type EncodedFrame } from './fd-data-frame.js';
import type { AgentOptions } from './options.js';

/**
 * The websocket client loop (procstar-protocol.md §1.3–1.5): connect,
 * register within a budget, serve until the connection ends, reconnect at
 * once after a served connection and with back-off after a failed attempt;
 * give up after `connectCountMax` consecutive failures. Binary frames only;
 * a WS ping right after registration and then every `pingIntervalMs`; any
 * inbound frame restarts the read timer, whose expiry drops the connection.
 */

/** The agent's inbound message limit, as the original's (tungstenite's default). */
const MAX_INBOUND_BYTES = 64 * 2 ** 20;
/** How long to wait for the server's close reply after our own close. */
const CLOSE_WAIT_MS = 1000;

export type ConnectionOptions = Pick<
  AgentOptions,
  | 'serverUrl'
  | 'connectIntervalStartMs'
  | 'connectIntervalMult'
  | 'connectIntervalMaxMs'
  | 'connectCountMax'
  | 'readTimeoutMs'
  | 'pingIntervalMs'
  | 'registerTimeoutMs'
>;

/** Something to push; `final` after `ShutDown{done}`: the connection then closes for good. */
export type PushListener = (message: AgentMessage, final: boolean) => void;

export interface ConnectionDeps {
  readonly options: ConnectionOptions;
  /** Extra trusted certificates (PEM), beside the system roots. */
  readonly trustedCa: string | null;
  readonly log: Logger;
  readonly clock: AgentClock;
  /** The Register message, built afresh for each attempt (current proc ids and state). */
  readonly register: () => AgentMessage;
  /** Handles one request frame; the reply, if any, is sent before the next request is handled. */
  readonly handle: (frame: Uint8Array) => Promise<AgentMessage | EncodedFrame | null>;
  /** Subscribes to pushes while connected. */
  readonly subscribe: (listener: PushListener) => () => void;
  /** Aborted when the agent is done: stop connecting. */
  readonly done: AbortSignal;
}

export type LoopOutcome = 'done' | 'gave-up';

class AttemptError extends Error {}

/** Waits `ms`, or less if the agent is done meanwhile. */
function sleep(clock: AgentClock, ms: number, done: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const wake = () => {
      clock.clearTimeout(timer);
      done.removeEventListener('abort', wake);
      resolve();
    };
    const timer = clock.setTimeout(wake, ms);
    done.addEventListener('abort', wake);
  });
}

export async function runConnectionLoop(deps: ConnectionDeps): Promise<LoopOutcome> {
  const { options, log } = deps;
  // One TLS context for every attempt: building one from ~150 roots is costly.
  const secureContext =
    deps.trustedCa === null
      ? undefined
      : createSecureContext({ ca: [...rootCertificates, deps.trustedCa] });
  let intervalMs = options.connectIntervalStartMs;
  let failures = 0;
  while (!deps.done.aborted) {
    log.info(`agent connecting: ${options.serverUrl}`);
    let registered: RegisteredSocket;
    try {
      registered = await connect(deps, secureContext);
    } catch (err) {
      if (deps.done.aborted) break;
      const message = err instanceof Error ? err.message : String(err);
      log.warn(`agent connection failed: ${options.serverUrl}: ${message}`);
      failures += 1;
      if (failures >= options.connectCountMax) {
        log.error(`websocket connection failed: ${message}`);
        return 'gave-up';
      }
      await sleep(deps.clock, intervalMs, deps.done);
      intervalMs = Math.min(intervalMs * options.connectIntervalMult, options.connectIntervalMaxMs);
      continue;
    }
    log.info(`agent connected: ${options.serverUrl}`);
    intervalMs = options.connectIntervalStartMs;
    failures = 0;
    await serve(registered, deps);
  }
  return 'done';
}

/**
 * Frame masks: random, except for pre-encoded output frames, which go out
 * with the all-zero mask so that `ws` writes them as they are instead of
 * copying each into a masked buffer. Masking protects proxies from script
 * running in browsers; this client runs none, and the channel is TLS.
 */
const maskControl = { zero: false };

function generateMask(mask: Buffer): void {
  if (maskControl.zero) mask.fill(0);
  else randomFillSync(mask);
}

/** A frame that arrived between `Registered` and the start of serving. */
interface EarlyFrame {
  readonly data: Buffer;
  readonly isBinary: boolean;
}

/** A registered connection, still holding what arrived before `serve` took it over. */
interface RegisteredSocket {
  readonly ws: WebSocket;
  /** Stops buffering; returns the frames that came meanwhile and any socket error. */
  readonly handOver: () => { backlog: EarlyFrame[]; error: Error | null };
}

/**
 * Opens the websocket, sends Register, and waits for Registered, all within
 * the budget. Frames that follow Registered in the same read (a server asks
 * for results at once after a reconnect, §9) are kept for `serve`.
 */
function connect(
  deps: ConnectionDeps,
  secureContext: SecureContext | undefined,
): Promise<RegisteredSocket> {
  const { options, clock } = deps;
  return new Promise((resolve, reject) => {
    // ws hands its options to tls.connect(), which takes a prepared context.
    const wsOptions: WebSocket.ClientOptions & { secureContext?: SecureContext } = {
      secureContext,
      perMessageDeflate: false,
      maxPayload: MAX_INBOUND_BYTES,
      followRedirects: false,
      generateMask,
    };
    const ws = new WebSocket(options.serverUrl, wsOptions);
    let settled = false;
    const backlog: EarlyFrame[] = [];
    let earlyError: Error | null = null;
    const settle = () => {
      settled = true;
      clock.clearTimeout(timer);
      deps.done.removeEventListener('abort', abort);
    };
    const fail = (message: string) => {
      if (settled) return;
      settle();
      ws.removeAllListeners();
      ws.on('error', () => {
        // Errors after the attempt failed: the socket is being torn down.
      });
      ws.terminate();
      reject(new AttemptError(message));
    };
    const timer = clock.setTimeout(
      () => fail('registration took too long'),
      options.registerTimeoutMs,
    );
    const abort = () => fail('agent done');
    deps.done.addEventListener('abort', abort);
    const onEarlyError = (err: Error) => (earlyError = err);
    const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
      if (settled) return void backlog.push({ data: toBuffer(data), isBinary });
      if (!isBinary) return fail('wrong WebSocket message: text frame before Registered');
      let type: string;
      try {
        type = decodeServerMessage(toBuffer(data)).type;
      } catch (err) {
        return fail(`wrong message: ${err instanceof ProtocolError ? err.message : String(err)}`);
      }
      if (type !== 'Registered') return fail(`wrong message: ${type}`);
      settle();
      for (const event of ['open', 'error', 'close', 'unexpected-response'] as const)
        ws.removeAllListeners(event);
      ws.on('error', onEarlyError);
      resolve({
        ws,
        handOver: () => {
          ws.off('message', onMessage);
          ws.off('error', onEarlyError);
          return { backlog, error: earlyError };
        },
      });
    };
    ws.once('open', () => {
      ws.send(encodeMessage(deps.register()), (err) => {
        if (err) fail(`sending Register: ${err.message}`);
      });
    });
    ws.on('message', onMessage);
    ws.on('unexpected-response', (_req, res) =>
      fail(`unexpected HTTP response: ${res.statusCode ?? '?'} ${res.statusMessage ?? ''}`.trim()),
    );
    ws.on('error', (err) => fail(err.message));
    ws.on('close', (code) => fail(`connection closed before Registered (code ${code})`));
  });
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Serves a registered connection until it ends. */
function serve(registered: RegisteredSocket, deps: ConnectionDeps): Promise<void> {
  const { options, clock, log } = deps;
  const { ws } = registered;
  return new Promise((resolve) => {
    let ended = false;
    let readTimer: AgentTimer | null = null;
    let pingTimer: AgentTimer | null = null;
    let queue: Promise<void> = Promise.resolve();

    const end = (why: string, level: 'info' | 'warn' = 'warn') => {
      if (ended) return;
      ended = true;
      unsubscribe();
      if (readTimer !== null) clock.clearTimeout(readTimer);
      if (pingTimer !== null) clock.clearTimeout(pingTimer);
      log[level](`agent connection ended: ${options.serverUrl}: ${why}`);
      ws.removeAllListeners();
      ws.on('error', () => {
        // The socket is being torn down; its errors no longer matter.
      });
      ws.terminate();
      resolve();
    };

    const resetReadTimer = () => {
      if (readTimer !== null) clock.clearTimeout(readTimer);
      readTimer = clock.setTimeout(
        () => end(`no message for ${options.readTimeoutMs / 1000} s`),
        options.readTimeoutMs,
      );
    };

    const ping = () => {
      if (ended) return;
      try {
        ws.ping();
      } catch (err) {
        return end(`ping failed: ${String(err)}`);
      }
      pingTimer = clock.setTimeout(ping, options.pingIntervalMs);
    };

    const send = (message: AgentMessage | EncodedFrame): Promise<void> =>
      new Promise((done) => {
        const encoded = isEncodedFrame(message);
        const finish = (err?: Error) => {
          if (encoded) message.release();
          if (err) end(`send failed: ${err.message}`);
          done();
        };
        if (ended) return finish();
        // ws frames a message synchronously (no compression), so the mask
        // choice applies to exactly this send.
        maskControl.zero = encoded;
        try {
          ws.send(encoded ? message.bytes : encodeMessage(message), { binary: true }, finish);
        } finally {
          maskControl.zero = false;
        }
      });

    const closeForGood = () => {
      // After ShutDown{done}: a clean close, unlike the original (§7, LIMIT).
      if (ended) return;
      ended = true;
      unsubscribe();
      if (readTimer !== null) clock.clearTimeout(readTimer);
      if (pingTimer !== null) clock.clearTimeout(pingTimer);
      const timer = clock.setTimeout(() => {
        ws.terminate();
        resolve();
      }, CLOSE_WAIT_MS);
      ws.removeAllListeners();
      ws.on('error', () => {
        // Closing: nothing left to do about errors.
      });
      ws.once('close', () => {
        clock.clearTimeout(timer);
        resolve();
      });
      ws.close(1000, 'agent done');
      log.info(`agent connection closed: ${options.serverUrl}: done`);
    };

    const unsubscribe = deps.subscribe((message, final) => {
      const sent = send(message);
      if (final) void sent.then(closeForGood);
    });

    const onMessage = (frame: Buffer, isBinary: boolean) => {
      resetReadTimer();
      if (!isBinary) return end('unexpected text frame');
      queue = queue
        .then(async () => {
          if (ended) return;
          const reply = await deps.handle(frame);
          if (reply !== null) await send(reply);
          // Back to the event loop between requests: a backlog of starts
          // must not hold up the results, output and pings they produce.
          await new Promise<void>((resolve) => setImmediate(resolve));
        })
        .catch((err: unknown) => log.error({ err }, 'request handling failed'));
    };
    ws.on('message', (data, isBinary) => onMessage(toBuffer(data), isBinary));
    ws.on('ping', resetReadTimer);
    ws.on('pong', resetReadTimer);
    ws.on('close', (code) => end(`closed by the server (code ${code})`, 'info'));
    ws.on('error', (err) => end(err.message));
    resetReadTimer();
    const { backlog, error } = registered.handOver();
    for (const frame of backlog) onMessage(frame.data, frame.isBinary);
    if (error !== null) return end(error.message);
    if (ws.readyState !== WebSocket.OPEN) return end('closed right after registration', 'info');
    ping();
  });
}
