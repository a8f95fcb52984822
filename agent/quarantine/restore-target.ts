import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { QuarantineError } from './quarantine-errors.js';
import type { QuarantineItem } from './quarantine-item.js';
import { isInside, resolveUnderRoot } from './system-path.js';

/** Where a restore writes, and the folder it must stay inside. */
export interface RestoreTarget {
  readonly path: string;
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
  const wanted = toDir === undefined ? resolveUnderRoot(root, item.originalPath) : join(boundary, name);
  checkNoEscape(boundary, dirname(wanted), item.id);
  if (!existsSync(wanted)) return { path: wanted, boundary };
  if (!rename) {
    throw new QuarantineError('occupied', `${wanted} already exists; restore with --rename to put it beside, or --to DIR`, { id: item.id, path: wanted });
  }
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let n = 1; n < 1000; n++) {
    const candidate = join(dirname(wanted), `${stem}.restored${n === 1 ? '' : `-${n}`}${ext}`);
    if (!existsSync(candidate)) return { path: candidate, boundary };
  }
  throw new QuarantineError('occupied', `no free name beside ${wanted}`, { id: item.id, path: wanted });
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
