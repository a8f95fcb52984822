/** Step 1 of quarantineMany, per file: the package written to a temp blob. */
import { closeSync, fstatSync, type Stats } from 'node:fs';
import { faultPoint } from './fault-injection.js';
import { openOriginal, type FolderIdentity } from './original-file.js';
import { DurableFile, encryptInto, type WrittenPackage } from './package-writer.js';
import { QuarantineError } from './quarantine-errors.js';
import type { ItemError } from './quarantine-item.js';
import type { NewItem } from './quarantine-records.js';
import type { QuarantineRequest, QuarantineStore } from './quarantine-store.js';
import { pooledRandomBytes } from './random-pool.js';
import type { CapturedSideEffect } from './side-effect-port.js';
import { resolveUnderRoot } from './system-path.js';

/** An item whose package is being written; `removal` is set once its original was dealt with. */
export interface Pending {
  readonly index: number;
  readonly request: QuarantineRequest;
  readonly real: string;
  readonly stat: Stats;
  /** Access and modification times to the nanosecond (Stats carries them as float ms). */
  readonly timesNs: { readonly atimeNs: bigint; readonly mtimeNs: bigint };
  /** The folder it was read from: its original is removed only from that very folder. */
  readonly folder: FolderIdentity;
  readonly id: string;
  readonly captured: readonly CapturedSideEffect[];
  readonly written: WrittenPackage;
  readonly blob: DurableFile;
  errors: ItemError[];
  record?: NewItem;
  removal?: 'removed' | 'gone' | 'changed';
}

/**
 * Step 1 for one request: checks the original and encrypts it into a temp blob (not fsynced
 * yet, except the writeback a big file starts as it goes).
 * @throws QuarantineError `malformed`, `missing`, `type`, `changed` or `internal`; nothing is
 *   left behind.
 */
export async function writePackage(store: QuarantineStore, index: number, request: QuarantineRequest, buf: Buffer): Promise<Pending> {
  const real = resolveUnderRoot(store.root, request.path);
  const opened = openOriginal(store.root, real, request.path);
  const fd = opened.fd;
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new QuarantineError('type', `${request.path} is not a regular file`, { path: request.path });
    if (request.expected && (request.expected.dev !== stat.dev || request.expected.ino !== stat.ino)) {
      throw new QuarantineError('changed', `${request.path} was replaced after it was scanned; scan it again`, { path: request.path });
    }
    const captured = await store.sideEffects.find(request.path, request.companions ?? []);
    const id = pooledRandomBytes(8).toString('hex');
    const blob = DurableFile.create(store.tempBlobPath(id), 0o600);
    faultPoint('quarantine:after-intent');
    let written: WrittenPackage;
    try {
      written = encryptInto(blob, fd, store.key, id, captured, buf);
    } catch (err) {
      await blob.discard();
      throw new QuarantineError('internal', `can't write the quarantine package of ${request.path}: ${(err as Error).message}`, { id, path: request.path }, { cause: err });
    }
    faultPoint('quarantine:after-blob-write');
    const timesNs = { atimeNs: opened.stat.atimeNs, mtimeNs: opened.stat.mtimeNs };
    return { index, request, real, stat, timesNs, folder: opened.folder, id, captured, written, blob, errors: [] };
  } finally {
    closeSync(fd);
  }
}

/** `err` as a QuarantineError for a result: kept as is, or wrapped (keeping its word, else `internal`) with `message`. */
export function asQuarantineError(err: unknown, path: string, message?: string, id?: string): QuarantineError {
  if (err instanceof QuarantineError && message === undefined) return err;
  return new QuarantineError(err instanceof QuarantineError ? err.word : 'internal', message ?? `can't quarantine ${path}: ${(err as Error).message}`, { path, ...(id && { id }) }, { cause: err });
}
