import { createHash } from 'node:crypto';
import { createEntry, unlinkEntryQuietly } from '../safe-fs/folder-entries.js';
import { closeFolder, openFolderBeneath, type BeneathFolder } from '../safe-fs/open-folder-beneath.js';
import { closeSync, fsyncSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readPackage } from './package-parts.js';
import { QuarantineError } from './quarantine-errors.js';
import type { QuarantineItem } from './quarantine-item.js';
import type { QuarantineStore } from './quarantine-store.js';

function heldItem(store: QuarantineStore, id: string): QuarantineItem {
  const item = store.records.get(id);
  if (!item || (item.phase !== 'complete' && item.phase !== 'stored')) {
    throw new QuarantineError('missing', `no quarantined item ${id}`, { id });
  }
  return item;
}

/**
 * Deletes an item for good: marked first, then the blob, then the record, so a crash in
 * between is finished by recovery rather than leaving an orphan.
 * @throws QuarantineError `missing` when there is no such item.
 */
export function deleteItem(store: QuarantineStore, id: string, reason: string): QuarantineItem {
  const item = heldItem(store, id);
  store.records.setPhase(id, 'deleted');
  try {
    unlinkSync(store.blobPath(id));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  store.records.remove(id);
  store.events({ name: reason === 'purged' ? 'purged' : 'deleted', severity: 'info', message: `${item.originalPath} deleted from quarantine (${reason})`, data: { id, reason } });
  return item;
}

/**
 * Writes a decrypted copy of an item into `dir` for analysis (mode 0600, never overwriting),
 * leaving the item in quarantine. The copy is checked against the recorded SHA-256.
 * @throws QuarantineError `missing`, `occupied` (file exists), `content` (checksum).
 */
export function exportItem(store: QuarantineStore, id: string, dir: string): string {
  const item = heldItem(store, id);
  const name = `${item.fileName}.${item.id}.quarantined`;
  const path = join(resolve(dir), name);
  let folder: BeneathFolder;
  let fd: number;
  try {
    // The folder the administrator named, opened once: the create and any unlink after it act
    // on that very folder, even if its path is swapped for a link meanwhile.
    folder = openFolderBeneath(resolve(dir), resolve(dir));
  } catch (err) {
    throw new QuarantineError('internal', `can't write ${path}: ${(err as Error).message}`, { id, path }, { cause: err });
  }
  try {
    try {
      fd = createEntry(folder, name, 0o600);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new QuarantineError(code === 'EEXIST' ? 'occupied' : 'internal', `can't write ${path}: ${(err as Error).message}`, { id, path }, { cause: err });
    }
    const hash = createHash('sha256');
    try {
      readPackage(store.blobPath(id), store.key, item, (chunk) => {
        hash.update(chunk);
        for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off);
      });
      fsyncSync(fd);
    } catch (err) {
      closeSync(fd);
      unlinkEntryQuietly(folder, name);
      throw err;
    }
    closeSync(fd);
    if (hash.digest('hex') !== item.sha256) {
      unlinkEntryQuietly(folder, name);
      throw new QuarantineError('content', `content checksum of ${id} does not match; nothing exported`, { id });
    }
  } finally {
    closeFolder(folder);
  }
  return path;
}

/**
 * Streams an item's decrypted content to `onChunk` without writing it anywhere, for rescans.
 * @throws QuarantineError `missing` or `content`.
 */
export function readItemContent(store: QuarantineStore, item: QuarantineItem, onChunk: (chunk: Buffer) => void): void {
  readPackage(store.blobPath(item.id), store.key, item, onChunk);
}
