import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { basenameFsPath, dirnameFsPath, fsPathBytes, fsPathOf, fsPathText, joinFsPath, showPath, type FsPath } from '../fs-path.js';
import { QuarantineError } from './quarantine-errors.js';
import { originalPathOf, type QuarantineItem } from './quarantine-item.js';
import { isInside, resolveUnderRoot } from './system-path.js';

/** Where a restore writes, and the folder it must stay inside. */
export interface RestoreTarget {
  /** Exact (bytes when the name is not valid UTF-8). */
  readonly path: FsPath;
  readonly boundary: string;
}

/**
 * Picks the path a restore writes to: the original place (under the root prefix) or `toDir`.
 * Never an existing file: `rename` picks `name.restored-N.ext` beside it instead of refusing.
 * @throws QuarantineError `malformed` for a path that escapes its boundary (through `..` or a
 *   symlinked folder), `occupied` for an existing file without `rename`.
 */
export function chooseRestoreTarget(root: string, item: QuarantineItem, toDir: string | undefined, rename: boolean): RestoreTarget {
  const name = item.fileName;
  if (name !== basename(name) || name === '..' || name === '.' || name.length === 0) {
    throw new QuarantineError('malformed', `item ${item.id} has an unsafe file name ${JSON.stringify(name)}`, { id: item.id });
  }
  const boundary = toDir === undefined ? root : resolve(toDir);
  // The exact name: the recorded file name is only a display form when the name is not UTF-8.
  const exactName = basenameFsPath(originalPathOf(item));
  const wanted = toDir === undefined ? resolveUnderRoot(root, originalPathOf(item)) : joinFsPath(boundary, exactName);
  // The folders above a byte name are checked in their decoded form: the boundary is text, and
  // a byte that does not decode can't be a `/` or a `..` that would lead out of it.
  checkNoEscape(boundary, fsPathText(dirnameFsPath(wanted)), item.id);
  if (!existsSync(wanted)) return { path: wanted, boundary };
  if (!rename) {
    throw new QuarantineError('occupied', `${showPath(wanted)} already exists; restore with --rename to put it beside, or --to DIR`, { id: item.id, path: showPath(wanted) });
  }
  for (let n = 1; n < 1000; n++) {
    const suffix = `.restored${n === 1 ? '' : `-${n}`}`;
    const candidate = joinFsPath(dirnameFsPath(wanted), renamed(exactName, suffix));
    if (!existsSync(candidate)) return { path: candidate, boundary };
  }
  throw new QuarantineError('occupied', `no free name beside ${showPath(wanted)}`, { id: item.id, path: showPath(wanted) });
}

/** The nearest existing ancestor, resolved through symlinks, must still be inside the boundary. */
function checkNoEscape(boundary: string, dir: string, id: string): void {
  let probe = dir;
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
  const realBoundary = realpathSync(existsSync(boundary) ? boundary : dirname(boundary));
  const realProbe = realpathSync(probe);
  if (!isInside(realBoundary, realProbe) && !isInside(boundary, realProbe)) {
    throw new QuarantineError('malformed', `restoring into ${dir} would leave ${boundary} (through ${probe}); refused`, { id, path: dir });
  }
}

/** `stem.restored.ext` for a text name; the suffix at the end of a name in bytes. */
function renamed(name: FsPath, suffix: string): FsPath {
  if (typeof name !== 'string') return fsPathOf(Buffer.concat([fsPathBytes(name), Buffer.from(suffix)]));
  const ext = extname(name);
  return `${name.slice(0, name.length - ext.length)}${suffix}${ext}`;
}
