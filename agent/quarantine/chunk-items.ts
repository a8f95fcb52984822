/**
 * How many items one batch chunk may hold. Each item of a chunk keeps descriptors open until
 * the chunk's shared fsync round is done (its package, the folder it was opened beneath), so a
 * chunk must fit the process's open-file limit with room to spare for the watcher, the database
 * and scan workers: a quarter of the soft limit, at most 500 (where fsync sharing stops paying).
 */
import { readFileSync } from 'node:fs';

const MAX_ITEMS = 500;
const MIN_ITEMS = 8;
/** Descriptors one item may hold at once during a chunk (package or copy, folder, a spare). */
const FDS_PER_ITEM = 2;

let cached: number | undefined;

/** Items per chunk for this process (read once from /proc/self/limits; 500 where unknown). */
export function chunkItems(): number {
  cached ??= computeChunkItems(readSoftOpenFileLimit());
  return cached;
}

/** Items per chunk for a soft open-file limit (null = unknown or unlimited). */
export function computeChunkItems(softLimit: number | null): number {
  if (softLimit === null) return MAX_ITEMS;
  return Math.max(MIN_ITEMS, Math.min(MAX_ITEMS, Math.floor(softLimit / 4 / FDS_PER_ITEM)));
}

function readSoftOpenFileLimit(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    return soft !== undefined && /^\d+$/.test(soft) ? Number(soft) : null;
  } catch {
    return null;
  }
}
