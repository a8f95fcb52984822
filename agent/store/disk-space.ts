import { statfsSync } from 'node:fs';
import { formatBytes } from '../scan/format.js';

/** Below this many free bytes a disk counts as full: SQLite alone needs 32 KiB for a WAL index. */
const NEARLY_FULL = 256 * 1024;

/** Bytes free for unprivileged writers on the disk holding `folder`, or null if it can't be asked. */
export function freeBytes(folder: string): number | null {
  try {
    const s = statfsSync(folder);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

/**
 * "the disk holding /var/lib/epq is full (12 KiB free)" when it is (nearly) full, else null.
 * For turning an ENOSPC or an SQLite I/O error into words that say which folder is full.
 */
export function describeFullDisk(folder: string): string | null {
  const free = freeBytes(folder);
  if (free === null || free >= NEARLY_FULL) return null;
  return `the disk holding ${folder} is full (${formatBytes(free)} free)`;
}
