import { createHash } from 'node:crypto';
import { existsSync, fchmodSync, fchownSync, futimesSync, mkdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { dirnameFsPath, joinFsPath, type FsPath } from '../fs-path.js';
import { DurableFile } from './package-writer.js';
import { readPackage } from './package-parts.js';
import { QuarantineError } from './quarantine-errors.js';
import type { QuarantineItem } from './quarantine-item.js';
import type { QuarantineStore } from './quarantine-store.js';

/** Temp name of a restore in progress; recovery derives it from the recorded target. */
export function restoreTempPath(target: FsPath, id: string): FsPath {
  return joinFsPath(dirnameFsPath(target), `.epq-restore-${id}.tmp`);
}

/**
 * Decrypts an item into `tmp` (created, never overwritten) with its owner, mode and times, and
 * checks the content's SHA-256 before returning. Not fsynced: the caller fsyncs a chunk's
 * files together with `file.sync()` before linking them into place.
 * @throws QuarantineError `content` (tampered, or checksum mismatch), `missing` (no package);
 *   or the system error of a write. The temp file is removed in every case.
 */
export async function writeVerifiedCopy(store: QuarantineStore, item: QuarantineItem, tmp: FsPath): Promise<{ file: DurableFile; contents: (Buffer | undefined)[] }> {
  const file = DurableFile.create(tmp, 0o600);
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
    futimesSync(file.fd, item.atimeMs / 1000, item.mtimeMs / 1000);
    return { file, contents };
  } catch (err) {
    await file.discard();
    throw err;
  }
}

/**
 * mkdir -p that remembers what it created, so a failed restore leaves no new folders.
 * @throws the system error of mkdir.
 */
export function makeParents(dir: FsPath): FsPath[] {
  const missing: FsPath[] = [];
  for (let d = dir; !existsSync(d); d = dirnameFsPath(d)) missing.unshift(d);
  for (const d of missing) mkdirSync(d, { mode: 0o755 });
  return missing;
}

/** Folders to fsync so that a file linked into `target` survives a power cut: its own, and the parent of any it had to create. */
export function foldersToSync(target: FsPath, createdDirs: readonly FsPath[]): FsPath[] {
  return [dirnameFsPath(target), ...createdDirs.map((d) => dirnameFsPath(d))];
}

/** Removes the folders a failed restore created, deepest first, stopping at one that is not empty. */
export function removeCreated(createdDirs: readonly FsPath[]): void {
  for (const dir of [...createdDirs].reverse()) {
    try {
      rmdirSync(dir);
    } catch {
      break;
    }
  }
}

/**
 * Puts an item back to `complete` after a failed restore, with the error recorded and an event;
 * returns the error to report. Never throws.
 */
export function abandonRestore(store: QuarantineStore, item: QuarantineItem, tmp: FsPath, createdDirs: readonly FsPath[], err: unknown): QuarantineError {
  try {
    unlinkSync(tmp);
  } catch {
    // Not created, or already linked and removed: nothing to clean.
  }
  removeCreated(createdDirs);
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
