import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Engine } from '../scanner/engine.js';
import { SampleRefusal } from './central-errors.js';
import type { IncomingBlob, SampleBlobs } from './sample-blobs.js';
import type { SampleAttributes } from './wire-format.js';

/** A sample whose bytes arrived whole and match their checksum, scanned on the way in. */
export interface ReceivedSample {
  readonly blob: IncomingBlob;
  readonly detections: readonly string[];
}

/**
 * Feeds each body chunk to `onChunk`, pausing the socket while it works (backpressure: a
 * slow disk slows the sender instead of filling memory). Rejects with what `onChunk` threw, or
 * `lost` when the connection ends before the body does. The listeners are removed when it
 * settles, so after a refusal node discards the rest of the body and the reply still goes out.
 */
function consumeBody(req: IncomingMessage, id: string, onChunk: (chunk: Buffer) => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onLost);
      req.off('close', onClose);
      if (err === undefined) resolve();
      else reject(err);
    };
    // 'end' can fire while the last chunk is still being written: it waits for that work.
    let work: Promise<void> = Promise.resolve();
    const onData = (chunk: Buffer): void => {
      req.pause();
      work = onChunk(chunk).then(() => {
        if (!settled) req.resume();
      });
      work.catch(finish);
    };
    const onEnd = (): void => void work.then(() => finish(), finish);
    const onLost = (err: Error): void => finish(new SampleRefusal('lost', 400, `sample ${id}: the connection was lost before the whole body arrived`, { id }, { cause: err }));
    const onClose = (): void => {
      if (!req.complete) onLost(new Error('connection closed'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onLost);
    req.on('close', onClose);
  });
}

/**
 * Receives a sample's body: counts it against `X-Sample-Size`, hashes it, scans it with the
 * server's engine and encrypts it into a temp blob, all in one pass as it streams in.
 * The caller publishes or discards the returned blob.
 * @throws SampleRefusal `overrun` or `underrun` (length), `content` (checksum), `lost`
 *   (connection gone), `internal` (the blob could not be written); the temp blob is gone.
 */
export async function receiveSample(req: IncomingMessage, attrs: SampleAttributes, blobs: SampleBlobs, engine: Engine): Promise<ReceivedSample> {
  let blob: IncomingBlob;
  try {
    blob = await blobs.createIncoming(attrs.id);
  } catch (err) {
    throw new SampleRefusal('internal', 500, `sample ${attrs.id}: can't store it (${(err as Error).message})`, { id: attrs.id, retryAfterSec: 60 }, { cause: err });
  }
  const hash = createHash('sha256');
  const scan = engine.createScan(attrs.size);
  let received = 0;
  try {
    await consumeBody(req, attrs.id, async (chunk) => {
      received += chunk.length;
      if (received > attrs.size) {
        throw new SampleRefusal('overrun', 400, `sample ${attrs.id}: the body is longer than its ${attrs.size} bytes (X-Sample-Size)`, { id: attrs.id });
      }
      hash.update(chunk);
      scan.update(chunk);
      await writeBlob(blob, chunk, attrs.id);
    });
    if (received < attrs.size) {
      throw new SampleRefusal('underrun', 400, `sample ${attrs.id}: the body has ${received} of its ${attrs.size} bytes (X-Sample-Size)`, { id: attrs.id });
    }
    if (hash.digest('hex') !== attrs.checksum) {
      throw new SampleRefusal('content', 422, `sample ${attrs.id}: the content does not match its checksum (X-Sample-Checksum)`, { id: attrs.id });
    }
  } catch (err) {
    await blob.discard();
    throw err;
  }
  return { blob, detections: scan.finish().detections.map((d) => d.signature) };
}

async function writeBlob(blob: IncomingBlob, chunk: Buffer, id: string): Promise<void> {
  try {
    await blob.write(chunk);
  } catch (err) {
    throw new SampleRefusal('internal', 500, `sample ${id}: can't store it (${(err as Error).message})`, { id, retryAfterSec: 60 }, { cause: err });
  }
}
