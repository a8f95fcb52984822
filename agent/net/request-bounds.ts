import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

/**
 * The bounds of one outgoing request: how long connecting may take, how long it may go without a
 * byte either way, how long it may take in all, and how much of the answer is read.
 */
export interface RequestBounds {
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly totalTimeoutMs: number;
  readonly maxReplyBytes: number;
}

export type BoundName = 'connect' | 'idle' | 'total' | 'size';

/** A request went past one of its bounds; names the URL and the bound. */
export class RequestBoundError extends Error {
  /** Lets code that sorts network errors by `code` tell this one apart. */
  readonly code = 'EPQ_REQUEST_BOUND';

  constructor(readonly url: string, readonly bound: BoundName, readonly reason: string) {
    super(`${url}: ${reason}`);
    this.name = 'RequestBoundError';
  }
}

/** What each bound says when it is crossed. */
export function boundReason(bound: BoundName, bounds: Partial<RequestBounds>): string {
  switch (bound) {
    case 'connect':
      return `no connection within ${bounds.connectTimeoutMs} ms (connect timeout)`;
    case 'idle':
      return `nothing sent or received for ${bounds.idleTimeoutMs} ms (idle timeout)`;
    case 'total':
      return `no complete answer within ${bounds.totalTimeoutMs} ms (timed out)`;
    case 'size':
      return `the answer is more than the ${bounds.maxReplyBytes} bytes accepted (size limit)`;
  }
}

/**
 * Arms the connect, idle and total deadlines of `req`. When one passes, `req` is destroyed and
 * `onExpired` gets a RequestBoundError naming `url` and the bound. Call the returned function
 * when the request is done (answer read or failed): it disarms them. Never throws.
 */
export function armDeadlines(req: ClientRequest, url: string, bounds: RequestBounds, onExpired: (err: RequestBoundError) => void): () => void {
  let connectTimer: NodeJS.Timeout | undefined;
  let done = false;
  const expire = (bound: BoundName): void => {
    if (done) return;
    disarm();
    const err = new RequestBoundError(url, bound, boundReason(bound, bounds));
    onExpired(err);
    req.destroy(err);
  };
  const totalTimer = setTimeout(() => expire('total'), bounds.totalTimeoutMs);
  const onSocket = (socket: Socket): void => {
    // A pooled socket is connected already; a new one counts until it can carry the request.
    // A bound no shorter than the total one would only hide the total's clearer reason.
    if (!socket.connecting || bounds.connectTimeoutMs >= bounds.totalTimeoutMs) return;
    connectTimer = setTimeout(() => expire('connect'), bounds.connectTimeoutMs);
    socket.once(socket instanceof TLSSocket ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
  };
  req.once('socket', onSocket);
  if (bounds.idleTimeoutMs < bounds.totalTimeoutMs) req.setTimeout(bounds.idleTimeoutMs, () => expire('idle'));
  function disarm(): void {
    done = true;
    clearTimeout(totalTimer);
    clearTimeout(connectTimer);
    req.off('socket', onSocket);
    req.setTimeout(0);
  }
  return disarm;
}

/**
 * Reads an answer's body, refusing it as soon as it is over `maxBytes` (by Content-Length, or by
 * what arrived: an endless body is cut, never buffered whole).
 * @throws RequestBoundError `size` (the response is destroyed); the connection's error when
 *   it is lost first.
 */
export function readCappedBody(res: IncomingMessage, url: string, bounds: Pick<RequestBounds, 'maxReplyBytes'>): Promise<Buffer> {
  const tooBig = (): RequestBoundError => new RequestBoundError(url, 'size', boundReason('size', bounds));
  return new Promise((resolve, reject) => {
    // Rejected first: destroying the response makes it report a lost connection too.
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > bounds.maxReplyBytes) {
      reject(tooBig());
      res.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= bounds.maxReplyBytes) return void chunks.push(c);
      reject(tooBig());
      res.destroy();
    });
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
    // A promise settles once: whichever of these comes first is the reason.
    res.on('close', () => {
      if (!res.complete) reject(new Error('connection lost while reading the answer'));
    });
  });
}
