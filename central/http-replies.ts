import type { IncomingMessage, ServerResponse } from 'node:http';
import { SampleRefusal } from './central-errors.js';
import type { ErrorReply } from './wire-format.js';

/** Sends a JSON answer. Never throws (a client that went away simply misses it). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Sends a refusal as `{ error, message, id? }`, with Retry-After when the refusal has one. */
export function sendRefusal(res: ServerResponse, refusal: SampleRefusal): void {
  const body: ErrorReply = { error: refusal.word, message: refusal.message, ...(refusal.context.id !== undefined && { id: refusal.context.id }) };
  const headers: Record<string, string> = {};
  if (refusal.context.retryAfterSec !== undefined) headers['retry-after'] = String(refusal.context.retryAfterSec);
  if (refusal.httpStatus === 401) headers['www-authenticate'] = 'Bearer realm="epq central"';
  if (refusal.context.closeConnection) headers['connection'] = 'close';
  sendJson(res, refusal.httpStatus, body, headers);
}

/**
 * Reads a small JSON request body (a status query), refusing as soon as it is over `maxBytes`:
 * by its Content-Length, or by what arrived, so an endless body is never read to its end.
 * @throws SampleRefusal `malformed` with 413 for a body over `maxBytes` (the connection is then
 *   closed after the answer), 400 for one that is not JSON; `lost` when the connection ends first.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const body = await readSmallBody(req, maxBytes);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new SampleRefusal('malformed', 400, 'the request body is not JSON', {}, { cause: err });
  }
}

/**
 * Reads a small request body whole, refusing as soon as it is over `maxBytes`.
 * @throws SampleRefusal `malformed` with 413 for a body over `maxBytes` (the connection is then
 *   closed after the answer); `lost` when the connection ends first.
 */
export function readSmallBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooBig = (): SampleRefusal => new SampleRefusal('malformed', 413, `the request body is over ${maxBytes} bytes, the most this server reads`, { closeConnection: true });
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) return reject(tooBig());
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      stop();
      req.pause();
      reject(tooBig());
    };
    const onEnd = (): void => resolve(Buffer.concat(chunks));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', (err) => reject(new SampleRefusal('lost', 400, 'the connection was lost before the request body arrived', {}, { cause: err })));
  });
}
