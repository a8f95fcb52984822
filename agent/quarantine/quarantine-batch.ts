import { chunkItems } from './chunk-items.js';
import { faultPoint } from './fault-injection.js';
import { QuarantineError } from './quarantine-errors.js';
import { clearSideEffects, commitRecords, completeItems, publishPackages, removeOriginals, type FailItem } from './quarantine-steps.js';
import type { QuarantineOutcome, QuarantineRequest, QuarantineStore } from './quarantine-store.js';
import { asQuarantineError, writePackage, type Pending } from './write-package.js';

/** One result per request, in order: a failed item never stops the others. */
export type QuarantineResult =
  | { readonly ok: true; readonly outcome: QuarantineOutcome }
  | { readonly ok: false; readonly error: QuarantineError };

/**
 * A batch is worked in chunks so that open files, memory for side-effect bytes and the work a
 * crash makes recovery redo stay bounded; each chunk costs two fsync rounds (one with the
 * durable commit in it) and one lazy commit.
 */
const CHUNK_BYTES = 1 << 30;

/**
 * Shared by every item and every batch: read into, then encrypted out of (the cipher copies),
 * only inside the synchronous encryptInto, so concurrent batches can't interleave on it.
 * One allocation instead of one per call, which quarantine() of one file per call would pay.
 */
let readBuffer: Buffer | undefined;

/**
 * Moves many detected files into quarantine with a few fsync rounds for the lot (the protocol,
 * and why a crash at any point loses nothing, is described on `QuarantineStore.quarantineMany`).
 * Never throws: each request gets its result.
 */
export async function quarantineBatch(store: QuarantineStore, requests: readonly QuarantineRequest[]): Promise<QuarantineResult[]> {
  const results: QuarantineResult[] = new Array(requests.length);
  const buf = (readBuffer ??= Buffer.allocUnsafe(1 << 20));
  for (let next = 0; next < requests.length; ) {
    const pending: Pending[] = [];
    let bytes = 0;
    for (; next < requests.length && pending.length < chunkItems() && bytes < CHUNK_BYTES; next++) {
      try {
        const p = await writePackage(store, next, requests[next]!, buf);
        pending.push(p);
        bytes += p.written.packageSize;
      } catch (err) {
        results[next] = { ok: false, error: asQuarantineError(err, requests[next]!.path) };
      }
    }
    await finishChunk(store, pending, results);
  }
  return results;
}

/** Steps 2 to 7 for a chunk whose packages are written; each item that fails gets its error result. */
async function finishChunk(store: QuarantineStore, chunk: Pending[], results: QuarantineResult[]): Promise<void> {
  if (chunk.length === 0) return;
  const fail: FailItem = (p, err, message) => {
    results[p.index] = { ok: false, error: asQuarantineError(err, p.request.path, `${message}: ${(err as Error).message}`, p.id) };
  };
  let live = await commitRecords(store, chunk, fail);
  if (live.length === 0) return;
  faultPoint('quarantine:after-commit');
  live = await removeOriginals(store, live, fail);
  live = publishPackages(store, live, fail);
  const effects = await clearSideEffects(store, live);
  completeItems(store, live, effects, results, fail);
}
