import { existsSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { basenameFsPath, dirnameFsPath, fsPathBytes, fsPathOf, joinFsPath, showPath, type FsPath } from '../fs-path.js';
import { describeType, statEntry } from '../safe-fs/folder-entries.js';
import { closeFolder, openFolderBeneath, type BeneathFolder } from '../safe-fs/open-folder-beneath.js';
import { UnsafePathError } from '../safe-fs/unsafe-path-error.js';
import { QuarantineError } from './quarantine-errors.js';
import { originalPathOf, type QuarantineItem } from './quarantine-item.js';
import { removeCreated } from '../safe-fs/created-folders.js';
import { resolveUnderRoot } from './system-path.js';

/**
 * Where a restore writes: `name` inside `folder`, opened beneath `boundary` without following a
 * link a user could have planted. Every later step acts relative to `folder.fd`; the caller
 * closes it (closeFolder).
 */
export interface RestoreTarget {
  /** Exact (bytes when the name is not valid UTF-8). */
  readonly path: FsPath;
  readonly boundary: string;
  readonly folder: BeneathFolder;
  readonly name: FsPath;
}

/**
 * Picks the path a restore writes to: the original place (under the root prefix) or `toDir`,
 * creating missing folders on the way (recorded in `folder.created`). Never an existing entry
 * of any kind (a FIFO or device is looked at, never opened): `rename` picks
 * `name.restored-N.ext` beside it instead of refusing.
 * @throws QuarantineError `malformed` for a path that escapes its boundary or goes through a
 *   symlinked folder (the message names the link), `occupied` for an existing entry without
 *   `rename`, `internal` for a folder that can't be opened or made. Nothing is left created.
 */
export function chooseRestoreTarget(root: string, item: QuarantineItem, toDir: string | undefined, rename: boolean): RestoreTarget {
  const name = item.fileName;
  if (name !== basename(name) || name === '..' || name === '.' || name.length === 0) {
    throw new QuarantineError('malformed', `item ${item.id} has an unsafe file name ${JSON.stringify(name)}`, { id: item.id });
  }
  // --to names a folder the administrator chose: its path is trusted up to the part that exists,
  // and what is missing below is made (and removed again if the restore fails).
  const boundary = toDir === undefined ? root : nearestExisting(resolve(toDir));
  // The exact name: the recorded file name is only a display form when the name is not UTF-8.
  const exactName = basenameFsPath(originalPathOf(item));
  const wanted = toDir === undefined ? resolveUnderRoot(root, originalPathOf(item)) : joinFsPath(resolve(toDir), exactName);
  const folder = openTargetFolder(boundary, dirnameFsPath(wanted), item.id);
  try {
    const chosen = freeName(folder, wanted, item.id, rename);
    return { path: joinFsPath(dirnameFsPath(wanted), chosen), boundary, folder, name: chosen };
  } catch (err) {
    closeFolder(folder);
    removeCreated(boundary, folder.created);
    throw err;
  }
}

function nearestExisting(dir: string): string {
  let probe = dir;
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
  return probe;
}

function openTargetFolder(boundary: string, dir: FsPath, id: string): BeneathFolder {
  const shown = showPath(dir);
  try {
    return openFolderBeneath(boundary, dir, { createMode: 0o755 });
  } catch (err) {
    if (err instanceof UnsafePathError) {
      throw new QuarantineError('malformed', `restoring into ${shown} would leave ${boundary}: ${err.message}`, { id, path: err.at }, { cause: err });
    }
    throw new QuarantineError('internal', `can't open or create the folder ${shown}: ${(err as Error).message}`, { id, path: shown }, { cause: err });
  }
}

function freeName(folder: BeneathFolder, wanted: FsPath, id: string, rename: boolean): FsPath {
  const name = basenameFsPath(wanted);
  const shown = showPath(wanted);
  const there = statEntry(folder, name);
  if (there === undefined) return name;
  if (!rename) {
    const what = (there.mode & 0o170000) === 0o100000 ? '' : ` (it is ${describeType(there.mode)})`;
    throw new QuarantineError('occupied', `${shown} already exists; restore with --rename to put it beside, or --to DIR${what}`, { id, path: shown });
  }
  for (let n = 1; n < 1000; n++) {
    const candidate = renamed(name, `.restored${n === 1 ? '' : `-${n}`}`);
    if (statEntry(folder, candidate) === undefined) return candidate;
  }
  throw new QuarantineError('occupied', `no free name beside ${shown}`, { id, path: shown });
}

/** `stem.restored.ext` for a text name; the suffix at the end of a name in bytes. */
function renamed(name: FsPath, suffix: string): FsPath {
  if (typeof name !== 'string') return fsPathOf(Buffer.concat([fsPathBytes(name), Buffer.from(suffix)]));
  const ext = extname(name);
  return `${name.slice(0, name.length - ext.length)}${suffix}${ext}`;
}
