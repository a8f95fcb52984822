import type { ClientRequest, IncomingMessage } from 'node:http';
import { PATHS, toSampleHeaders, type SampleAttributes } from '../../central/wire-format.js';
import { armDeadlines, readCappedBody, type RequestBounds } from '../net/request-bounds.js';
import { QuarantineError } from '../quarantine/quarantine-errors.js';
import type { CentralEndpoint } from './central-endpoint.js';
import { classifyReply, type UploadOutcome } from './upload-outcome.js';

export interface UploadRequest {
  readonly attributes: SampleAttributes;
  /** The sample's plain bytes, pulled as the socket can take them. */
  readonly body: AsyncIterable<Buffer>;
  readonly stripUserData: boolean;
  /**
   * Connecting, silence (nothing sent, nothing answered), the whole upload and the answer's size
   * are bounded; past a bound the upload is given up, to be tried again.
   */
  readonly bounds: RequestBounds;
  readonly now: () => number;
}

/**
 * POSTs one sample, streaming its body with backpressure. The server may answer before the body
 * is all sent (a duplicate, a refusal): the answer counts and the rest is not sent.
 * Never rejects: every ending, including a network failure, is an `UploadOutcome`.
 */
export function uploadSample(endpoint: CentralEndpoint, up: UploadRequest): Promise<UploadOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let req: ClientRequest | undefined;
    let disarm = (): void => {};
    // After a failure, or an answer before the whole body went out, the connection is dropped
    // (nobody will read the rest; a socket that spoke garbage must not go back to the pool).
    const settle = (outcome: UploadOutcome, failed = false): void => {
      if (settled) return;
      settled = true;
      disarm();
      if (req && (failed || !req.writableFinished)) req.destroy();
      resolve(outcome);
    };
    try {
      req = endpoint.request(PATHS.samples, 'POST', toSampleHeaders(up.attributes, up.stripUserData));
    } catch (err) {
      settle({ kind: 'retry', reason: endpoint.describeError(err), retryAfterMs: null });
      return;
    }
    const url = endpoint.urlOf(PATHS.samples).href;
    disarm = armDeadlines(req, url, up.bounds, (err) => settle({ kind: 'retry', reason: endpoint.describeError(err), retryAfterMs: null }, true));
    req.on('response', (res: IncomingMessage) => {
      readCappedBody(res, url, up.bounds).then(
        (body) => settle(classifyReply(res.statusCode ?? 0, res.headers, body.toString('utf8'), up.attributes.id, up.now())),
        (err: unknown) => settle({ kind: 'retry', reason: endpoint.describeError(err), retryAfterMs: null }, true),
      );
    });
    req.on('error', (err) => {
      if (err instanceof QuarantineError) settle({ kind: 'local', error: err }, true);
      else settle({ kind: 'retry', reason: endpoint.describeError(err), retryAfterMs: null }, true);
    });
    void writeBody(req, up.body, () => settled).catch((err: unknown) => {
      // A package that can't be read is the agent's problem, not the server's.
      if (err instanceof QuarantineError) settle({ kind: 'local', error: err }, true);
      req!.destroy();
    });
  });
}

/** Resolves when the request can take more, or is gone (then the writer stops). */
function drained(req: ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    // Destroyed already: 'close' has fired and will not again.
    if (req.destroyed) return resolve();
    const done = (): void => {
      req.off('drain', done);
      req.off('close', done);
      resolve();
    };
    req.on('drain', done);
    req.on('close', done);
  });
}

/**
 * Writes the body as the socket takes it (a plain loop rather than a stream pipeline: most
 * samples are one chunk, and the pipeline's machinery cost more than the write). Stops when the
 * upload was settled early (an answer before the end, a network error).
 * @throws what reading the body throws (QuarantineError for an unreadable package).
 */
async function writeBody(req: ClientRequest, body: AsyncIterable<Buffer>, settled: () => boolean): Promise<void> {
  const chunks = body[Symbol.asyncIterator]();
  try {
    for (let next = await chunks.next(); !settled() && !req.destroyed; next = await chunks.next()) {
      if (next.done) {
        req.end();
        return;
      }
      if (!req.write(next.value)) await drained(req);
    }
  } finally {
    // Closes the package file when the loop ends early.
    await chunks.return?.();
  }
}
