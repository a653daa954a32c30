import { WebSocket } from 'ws';
import { apiErrorFromBody } from './http.js';
import { describeConnectError, StreamClosedError, UnreachableError } from './errors.js';

export interface StreamMessage {
  data: Buffer;
  binary: boolean;
}

/** How a stream ended: the close code the daemon sent (1000 is a normal end). */
export interface StreamEnd {
  code: number;
  reason: string;
}

export interface MessageStream extends AsyncIterable<StreamMessage> {
  /** Resolves once the socket is closed, with how it closed. */
  readonly ended: Promise<StreamEnd>;
  close(): void;
}

/**
 * Opens a websocket to the daemon and yields its messages in order. An
 * upgrade the daemon refuses becomes an `ApiError` (a bad token is a 401),
 * a connection failure an `UnreachableError`. Messages are not limited in
 * size: an output catch-up frame holds the whole output so far.
 */
export function openStream(
  url: string,
  options: { headers: Record<string, string>; baseUrl: string },
): MessageStream {
  const socket = new WebSocket(url, { headers: options.headers, maxPayload: 0 });
  const queue: StreamMessage[] = [];
  let failure: Error | undefined;
  let done = false;
  let wake: (() => void) | undefined;
  let resolveEnded: (end: StreamEnd) => void = () => undefined;
  const ended = new Promise<StreamEnd>((resolve) => (resolveEnded = resolve));
  const notify = () => {
    wake?.();
    wake = undefined;
  };

  socket.on('message', (data: Buffer | ArrayBuffer | Buffer[], binary: boolean) => {
    const buffer = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    queue.push({ data: buffer, binary });
    notify();
  });
  socket.on('unexpected-response', (_req, res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (body += chunk));
    res.on('end', () => {
      failure = apiErrorFromBody(res.statusCode ?? 0, body);
      done = true;
      resolveEnded({ code: 1006, reason: 'upgrade refused' });
      notify();
    });
  });
  socket.on('error', (err) => {
    failure ??= new UnreachableError(options.baseUrl, describeConnectError(err), { cause: err });
    done = true;
    resolveEnded({ code: 1006, reason: err.message });
    notify();
  });
  socket.on('close', (code, reason) => {
    done = true;
    resolveEnded({ code, reason: reason.toString('utf8') });
    notify();
  });

  return {
    ended,
    close: () => socket.close(),
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          const next = queue.shift();
          if (next !== undefined) {
            yield next;
            continue;
          }
          if (failure !== undefined) throw failure;
          if (done) return;
          await new Promise<void>((resolve) => (wake = resolve));
        }
      } finally {
        if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) {
          socket.terminate();
        }
      }
    },
  };
}

/** A close that is not a normal end of stream (1000) or a server going away (1001). */
export function checkNormalEnd(end: StreamEnd, what: string): void {
  if (end.code === 1000 || end.code === 1001 || end.code === 1005) return;
  throw new StreamClosedError(
    what,
    `connection to the daemon lost (close code ${end.code}${end.reason ? `: ${end.reason}` : ''})`,
  );
}

/** One `W3` output frame (spec §3.3): where its bytes start and the bytes. */
export interface OutputFrame {
  start: number;
  /** The output's total length when the frame was sent. */
  length: number | undefined;
  data: Buffer;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * Reads an output frame: HTTP-style headers, a blank line, the bytes.
 * `Content-Range` is Apsis's `bytes=START-END/LENGTH` (END inclusive); the
 * standard `bytes START-END/LENGTH` is read too.
 */
export function parseOutputFrame(frame: Buffer): OutputFrame {
  const end = frame.indexOf(HEADER_END);
  if (end < 0) throw new Error('output frame without a header');
  const headers = frame.subarray(0, end).toString('latin1').split('\r\n');
  const data = frame.subarray(end + HEADER_END.length);
  for (const header of headers) {
    const m = /^content-range:\s*bytes[= ](\d+)-(-?\d+)\/(\d+|\*)\s*$/i.exec(header);
    if (m) {
      return {
        start: Number(m[1]),
        length: m[3] === '*' ? undefined : Number(m[3]),
        data,
      };
    }
  }
  throw new Error('output frame without a Content-Range header');
}
