import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { isKnownMissing, rememberMissing } from './missing-paths.js';
import { resolveInRoot } from './rooted-path.js';
import { SideEffectPathError } from './side-effect-errors.js';
import type { SideEffectWarning } from './side-effect.js';

/** One name found in a folder; its last component is not resolved yet (it may be a symlink). */
export interface FolderEntry {
  readonly name: string;
  readonly systemPath: string;
  /** Resolved folder + name: lstat it to see what the entry itself is. */
  readonly hostPath: string;
}

/**
 * Lists the file (and symlink) names in a system-namespace folder that `accept` keeps, sorted so that results are
 * stable. A missing folder is empty; an escaping or unreadable one adds a warning. Never throws
 * for a filesystem problem.
 */
export async function listFolder(
  realRoot: string,
  systemDir: string,
  accept: (name: string) => boolean,
  warnings: SideEffectWarning[],
): Promise<FolderEntry[]> {
  let dir: string;
  const host = join(realRoot, systemDir);
  if (isKnownMissing(host)) return [];
  try {
    const rooted = await resolveInRoot(realRoot, systemDir);
    if (!rooted.exists) {
      rememberMissing(host);
      return [];
    }
    dir = rooted.realPath;
  } catch (err) {
    if (!(err instanceof SideEffectPathError)) throw err;
    // A missing component that is a plain file just means "no such folder".
    if (!err.reason.includes('not a folder')) warnings.push({ path: systemDir, reason: err.reason });
    return [];
  }
  let names: string[];
  try {
    // Sub-folders, sockets and devices are never persistence entries; keep files and links (and
    // entries whose type the filesystem does not report, for the reader to judge).
    const entries = await readdir(dir, { withFileTypes: true });
    names = entries.filter((e) => e.isFile() || e.isSymbolicLink() || isUntyped(e)).map((e) => e.name);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code !== 'ENOENT' && e.code !== 'ENOTDIR') warnings.push({ path: systemDir, reason: e.message, ...(e.code ? { code: e.code } : {}) });
    return [];
  }
  return names
    .filter(accept)
    .sort()
    .map((name) => ({ name, systemPath: posix.join(systemDir, name), hostPath: join(dir, name) }));
}

function isUntyped(e: Dirent): boolean {
  return !e.isFile() && !e.isDirectory() && !e.isSymbolicLink() && !e.isFIFO() && !e.isSocket() && !e.isBlockDevice() && !e.isCharacterDevice();
}
