import { lstatSync, statSync } from 'node:fs';

/**
 * Host paths a full, symlink-checked lookup found missing. Every detection looks for the same
 * hundred-odd rc files and per-user folders that most accounts (`/nonexistent`, `/var/lib/...`)
 * don't have, and each failed lookup walked the path back up with realpath: most of a
 * detection's side-effect search. A remembered path counts as missing only while two
 * synchronous stats (one through links, one of the entry itself) still find nothing there, so a
 * file or link created since is seen at once.
 */
const MISSING = new Set<string>();
const LIMIT = 8192;

/** True when `hostPath` was found missing before and still is. */
export function isKnownMissing(hostPath: string): boolean {
  if (!MISSING.has(hostPath)) return false;
  if (isMissingNow(hostPath)) return true;
  MISSING.delete(hostPath);
  return false;
}

/** Remembers that a full lookup found nothing at `hostPath`. */
export function rememberMissing(hostPath: string): void {
  if (MISSING.size >= LIMIT) MISSING.delete(MISSING.values().next().value!);
  MISSING.add(hostPath);
}

function isMissingNow(hostPath: string): boolean {
  try {
    return statSync(hostPath, { throwIfNoEntry: false }) === undefined && lstatSync(hostPath, { throwIfNoEntry: false }) === undefined;
  } catch (err) {
    // A component that is a plain file: nothing can be there.
    return (err as NodeJS.ErrnoException).code === 'ENOTDIR';
  }
}
