/** Step 1 of quarantineMany, per file: the package written to a temp blob. */
import { closeSync, fstatSync, type Stats } from 'node:fs';
import { basenameFsPath, fsPathText, showPath, type FsPath } from '../fs-path.js';
import { describeWriteError } from './write-errors.js';
import { faultPoint } from './fault-injection.js';
import { openOriginal, type FolderIdentity } from './original-file.js';
import { DurableFile, encryptInto, type WrittenPackage } from './package-writer.js';
import { QuarantineError } from './quarantine-errors.js';
import type { ItemError } from './quarantine-item.js';
import type { NewItem } from './quarantine-records.js';
import type { QuarantineRequest, QuarantineStore } from './quarantine-store.js';
import { encodeMetadata, type PackageMetadata } from './package-metadata.js';
import { pooledRandomBytes } from './random-pool.js';
import type { CapturedSideEffect } from './side-effect-port.js';
import { resolveUnderRoot } from './system-path.js';

/** An item whose package is being written; `removal` is set once its original was dealt with. */
export interface Pending {
  readonly index: number;
  readonly request: QuarantineRequest;
  readonly real: FsPath;
  readonly stat: Stats;
  /** Access and modification times to the nanosecond (Stats carries them as float ms). */
  readonly timesNs: { readonly atimeNs: bigint; readonly mtimeNs: bigint };
  /** The folder it was read from: its original is removed only from that very folder. */
  readonly folder: FolderIdentity;
  readonly id: string;
  readonly captured: readonly CapturedSideEffect[];
  /** What the side-effect search skipped and why, for the `quarantined` event. */
  readonly warnings: readonly string[];
  readonly written: WrittenPackage;
  readonly blob: DurableFile;
  /** What the package says about the item (also the record's fields known before the copy). */
  readonly meta: PackageMetadata;
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
  const shown = showPath(request.path);
  const opened = openOriginal(store.root, real, shown);
  const fd = opened.fd;
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new QuarantineError('type', `${shown} is not a regular file`, { path: shown });
    if (request.expected && (request.expected.dev !== stat.dev || request.expected.ino !== stat.ino)) {
      throw new QuarantineError('changed', `${shown} was replaced after it was scanned; scan it again`, { path: shown });
    }
    // Persistence entries are text: a name that is not UTF-8 is looked for in its decoded form.
    const { captured, warnings } = await store.sideEffects.find(fsPathText(request.path), request.companions ?? []);
    const id = pooledRandomBytes(8).toString('hex');
    const timesNs = { atimeNs: opened.stat.atimeNs, mtimeNs: opened.stat.mtimeNs };
    const meta = describeItem(store, request, stat, timesNs, id, captured);
    const blob = DurableFile.create(store.tempBlobPath(id), 0o600);
    faultPoint('quarantine:after-intent');
    let written: WrittenPackage;
    try {
      written = encryptInto(blob, fd, store.key, id, encodeMetadata(meta), captured, buf);
    } catch (err) {
      await blob.discard();
      throw new QuarantineError('internal', `can't write the quarantine package of ${shown}: ${describeWriteError(err, store.blobDir)}; the file was left in place`, { id, path: shown }, { cause: err });
    }
    faultPoint('quarantine:after-blob-write');
    return { index, request, real, stat, timesNs, folder: opened.folder, id, captured, warnings, written, blob, meta, errors: [] };
  } finally {
    closeSync(fd);
  }
}

/** `err` as a QuarantineError for a result: kept as is, or wrapped (keeping its word, else `internal`) with `message`. */
export function asQuarantineError(err: unknown, path: FsPath, message?: string, id?: string): QuarantineError {
  if (err instanceof QuarantineError && message === undefined) return err;
  const shown = showPath(path);
  return new QuarantineError(err instanceof QuarantineError ? err.word : 'internal', message ?? `can't quarantine ${shown}: ${(err as Error).message}`, { path: shown, ...(id && { id }) }, { cause: err });
}

function describeItem(
  store: QuarantineStore,
  request: QuarantineRequest,
  stat: Stats,
  timesNs: Pending['timesNs'],
  id: string,
  captured: readonly CapturedSideEffect[],
): PackageMetadata {
  return {
    id,
    // Exact when the path is a string; a display form beside the exact bytes otherwise.
    fileName: showPathIfBytes(basenameFsPath(request.path)),
    originalPath: showPathIfBytes(request.path),
    ...(typeof request.path !== 'string' && { originalPathBytes: request.path.toString('base64') }),
    dev: stat.dev,
    ino: stat.ino,
    mode: stat.mode & 0o7777,
    uid: stat.uid,
    gid: stat.gid,
    atimeMs: stat.atimeMs,
    mtimeMs: stat.mtimeMs,
    atimeNs: timesNs.atimeNs.toString(),
    mtimeNs: timesNs.mtimeNs.toString(),
    userName: store.options.userNameOf(stat.uid),
    computer: store.options.computer,
    quarantinedAt: new Date().toISOString(),
    virusName: request.detections[0]?.signature ?? 'unknown',
    detections: request.detections,
    definitionsSequence: request.definitionsSequence,
    sideEffects: captured.map((c) => c.effect),
  };
}

function showPathIfBytes(path: FsPath): string {
  return typeof path === 'string' ? path : showPath(path);
}
