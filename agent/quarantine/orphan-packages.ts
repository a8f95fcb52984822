import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { HEADER_LENGTH, packageVersion } from './package-cipher.js';
import { QuarantineError } from './quarantine-errors.js';
import type { QuarantineStore } from './quarantine-store.js';

/** A package in the blob folder that no record names (the database was lost or replaced). */
export interface OrphanPackage {
  readonly id: string;
  readonly fileName: string;
  readonly path: string;
  /** 2: describes itself (can be rebuilt); 1: written before packages carried their metadata; null: not a package. */
  readonly version: number | null;
}

/** Package ids are 16 hex digits; anything else in the folder is not ours to interpret. */
const PACKAGE_NAME = /^([0-9a-f]{16})\.epqq$/;

/**
 * The files of the blob folder that hold (or are becoming) packages: published ones and the
 * temp blobs of writes in flight. Empty when the folder does not exist.
 * @throws the system error of readdir other than ENOENT.
 */
export function listPackageFiles(blobDir: string): string[] {
  try {
    return readdirSync(blobDir).filter((name) => name.endsWith('.epqq') || name.endsWith('.tmp'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Every published package whose item has no record, in name order.
 * @throws the system error of reading the blob folder.
 */
export function findOrphans(store: QuarantineStore): OrphanPackage[] {
  const orphans: OrphanPackage[] = [];
  for (const fileName of listPackageFiles(store.blobDir).sort()) {
    const id = PACKAGE_NAME.exec(fileName)?.[1];
    if (fileName.endsWith('.tmp')) continue;
    const path = join(store.blobDir, fileName);
    if (id === undefined) {
      orphans.push({ id: fileName, fileName, path, version: null });
      continue;
    }
    if (store.records.get(id)) continue;
    orphans.push({ id, fileName, path, version: versionOf(path, id) });
  }
  return orphans;
}

function versionOf(path: string, id: string): number | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const header = Buffer.alloc(HEADER_LENGTH);
    readSync(fd, header, 0, HEADER_LENGTH, 0);
    return packageVersion(header, id, path);
  } catch (err) {
    if (err instanceof QuarantineError) return null;
    throw err;
  } finally {
    closeSync(fd);
  }
}
