import { createHash } from 'node:crypto';
import { fchmodSync, fchownSync } from 'node:fs';
import { dirnameFsPath, joinFsPath, type FsPath } from '../fs-path.js';
import { futimens } from '../native/at-calls.js';
import { createEntry, unlinkEntry, unlinkEntryQuietly } from '../safe-fs/folder-entries.js';
import type { BeneathFolder } from '../safe-fs/open-folder-beneath.js';
import { DurableFile } from './package-writer.js';
import { readPackage } from './package-parts.js';
import { QuarantineError } from './quarantine-errors.js';
import type { QuarantineItem } from './quarantine-item.js';
import type { QuarantineStore } from './quarantine-store.js';
import { removeCreated } from '../safe-fs/created-folders.js';

/** Temp name of a restore in progress; recovery derives it from the recorded target. */
export function restoreTempPath(target: FsPath, id: string): FsPath {
  return joinFsPath(dirnameFsPath(target), restoreTempName(id));
}

/** The temp file's name inside the target's folder. */
export function restoreTempName(id: string): string {
  return `.epq-restore-${id}.tmp`;
}

/**
 * Decrypts an item into `tmpName` inside `folder` (created, never overwritten, never through a
 * link) with its owner, mode and times to the nanosecond, and checks the content's SHA-256
 * before returning. Not fsynced: the caller fsyncs a chunk's files together with `file.sync()`
 * before linking them into place.
 * @throws QuarantineError `content` (tampered, or checksum mismatch), `missing` (no package);
 *   or the system error of a write. The temp file is removed in every case.
 */
export async function writeVerifiedCopy(store: QuarantineStore, item: QuarantineItem, folder: BeneathFolder, tmpName: string): Promise<{ file: DurableFile; contents: (Buffer | undefined)[] }> {
  const fd = createEntry(folder, tmpName, 0o600);
  const file = DurableFile.adopt(joinFsPath(folder.path, tmpName), fd, () => unlinkEntry(folder, tmpName));
  try {
    const hash = createHash('sha256');
    const contents = readPackage(store.blobPath(item.id), store.key, item, (chunk) => {
      hash.update(chunk);
      file.write([chunk]);
    });
    const sha256 = hash.digest('hex');
    if (sha256 !== item.sha256) {
      throw new QuarantineError('content', `content checksum of ${item.id} does not match (expected ${item.sha256}, got ${sha256}); item kept`, { id: item.id });
    }
    // Only root may give a file away; anyone else restores their own files as themselves.
    if (process.getuid?.() === 0) fchownSync(file.fd, item.uid, item.gid);
    fchmodSync(file.fd, item.mode);
    // On the fd, last: nothing after it touches the file's times.
    futimens(file.fd, BigInt(item.atimeNs), BigInt(item.mtimeNs));
    return { file, contents };
  } catch (err) {
    await file.discard();
    throw err;
  }
}

/** Where a failed restore left things: its target's folder, the temp name and the folders it made. */
export interface RestoreLeftovers {
  readonly boundary: string;
  readonly folder: BeneathFolder;
  readonly tmpName: string;
}

/**
 * Puts an item back to `complete` after a failed restore, with the error recorded and an event;
 * returns the error to report. Never throws.
 */
export function abandonRestore(store: QuarantineStore, item: QuarantineItem, left: RestoreLeftovers, err: unknown): QuarantineError {
  // Not created, or already linked and removed: then there is nothing to clean.
  unlinkEntryQuietly(left.folder, left.tmpName);
  removeCreated(left.boundary, left.folder.created);
  const word = err instanceof QuarantineError ? err.word : 'internal';
  try {
    store.records.transaction(() => {
      store.records.setPhase(item.id, 'complete');
      store.records.addError(item.id, { word, message: (err as Error).message });
    });
  } catch {
    // Still `restoring` with nothing at its target: the next start puts it back to complete.
  }
  store.events({ name: 'restore failed', severity: 'error', message: `restore of ${item.originalPath} failed: ${(err as Error).message}`, data: { id: item.id, path: item.originalPath, word } });
  return err instanceof QuarantineError ? err : new QuarantineError('internal', `restore of ${item.id} failed: ${(err as Error).message}`, { id: item.id }, { cause: err });
}

/**
 * A restore refused before it began (target occupied, path escaping): the item stays in
 * quarantine with the error recorded and an event, as a failure later on would leave it.
 * An id with no held item just gets its `missing` error. Never throws.
 */
export function refuseRestore(store: QuarantineStore, id: string, err: unknown): QuarantineError {
  const error = err instanceof QuarantineError ? err : new QuarantineError('internal', `restore of ${id} failed: ${(err as Error).message}`, { id }, { cause: err });
  const item = store.records.get(id);
  if (!item || error.word === 'missing') return error;
  try {
    store.records.addError(id, { word: error.word, message: error.message });
  } catch {
    // The result still carries the error; only the record lacks it.
  }
  store.events({ name: 'restore failed', severity: 'error', message: `restore of ${item.originalPath} failed: ${error.message}`, data: { id, path: item.originalPath, word: error.word } });
  return error;
}
