import { closeSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { fstatat, mkdirat, nativeConstants, openat, openat2, readlinkat } from '../native/at-calls.js';
import { SystemCallError } from '../native/system-call-error.js';
import { fsPathBytes, fsPathOf, joinFsPath, showPath, type FsPath } from '../fs-path.js';
import { isFolder, isSymlink, isTrustedLink } from './trusted-link.js';
import { UnsafePathError } from './unsafe-path-error.js';

/**
 * A folder opened beneath a trusted root without going through a link someone else could have
 * planted. Every later stat, unlink, link, rename or create is made relative to `fd`, so a
 * folder swapped for a symlink after this open can't redirect it.
 */
export interface BeneathFolder {
  /** O_RDONLY|O_DIRECTORY: usable with the *at calls and for fsync. */
  readonly fd: number;
  /** The path it was asked for, exact (bytes when a name is not UTF-8); showPath for messages. */
  readonly path: FsPath;
  readonly dev: bigint;
  readonly ino: bigint;
  /** Folders this open created (with `create`), outermost first, exact. */
  readonly created: readonly FsPath[];
}

export interface OpenBeneathOptions {
  /** Create missing folders with this mode (and record them in `created`). */
  readonly createMode?: number;
}

const MAX_LINKS = 40;
let openat2Works: boolean | undefined;

/**
 * Opens `dir` (an absolute path at or below `root`) component by component from `root`. The
 * root's own path is trusted (it comes from the configuration or the command line); below it
 * no symlink is followed unless root owns it in a folder only root can write.
 * @throws UnsafePathError `escape` (outside root), `symlink` (naming the link refused) or
 *   `not-folder`; SystemCallError (ENOENT for a missing folder without `createMode`, EACCES, ...);
 *   NativeAddonMissingError.
 */
export function openFolderBeneath(root: string, dir: FsPath, options: OpenBeneathOptions = {}): BeneathFolder {
  const rel = relativeFsPath(root, dir);
  if (rel === undefined) {
    throw new UnsafePathError('escape', showPath(dir), `${showPath(dir)} is outside ${root}; refused`);
  }
  const k = nativeConstants();
  const rootFd = openat(k.AT_FDCWD, root, k.O_RDONLY | k.O_DIRECTORY);
  try {
    const fast = rel.length === 0 ? rootFd : options.createMode === undefined ? tryOpenat2(rootFd, rel) : undefined;
    if (fast !== undefined) return describe(fast === rootFd ? openat(rootFd, '.', k.O_RDONLY | k.O_DIRECTORY) : fast, dir, []);
    return walk(rootFd, root, splitFsPath(rel), dir, options.createMode);
  } finally {
    closeSync(rootFd);
  }
}

/** Closes a folder opened by openFolderBeneath. Never throws. */
export function closeFolder(folder: BeneathFolder): void {
  try {
    closeSync(folder.fd);
  } catch {
    // Already closed: nothing to release.
  }
}

/**
 * Runs `use` with `dir` opened beneath `root`, closing it after.
 * @throws whatever openFolderBeneath or `use` throws.
 */
export function withFolderBeneath<T>(root: string, dir: FsPath, use: (folder: BeneathFolder) => T, options: OpenBeneathOptions = {}): T {
  const folder = openFolderBeneath(root, dir, options);
  try {
    return use(folder);
  } finally {
    closeFolder(folder);
  }
}

/** openat2 refusing every symlink and every way out: one syscall when nothing is in the way. */
function tryOpenat2(rootFd: number, rel: FsPath): number | undefined {
  if (openat2Works === false) return undefined;
  const k = nativeConstants();
  try {
    const fd = openat2(rootFd, rel, k.O_RDONLY | k.O_DIRECTORY, 0, k.RESOLVE_BENEATH | k.RESOLVE_NO_SYMLINKS | k.RESOLVE_NO_MAGICLINKS);
    openat2Works = true;
    return fd;
  } catch (err) {
    const code = (err as SystemCallError).code;
    // ENOSYS/EPERM (old kernel, seccomp): always walk. Anything else: the walk says precisely
    // what is wrong, or follows a link root made.
    if (code === 'ENOSYS' || (code === 'EPERM' && openat2Works === undefined)) openat2Works = false;
    return undefined;
  }
}

function walk(rootFd: number, root: string, components: FsPath[], dir: FsPath, createMode: number | undefined): BeneathFolder {
  const k = nativeConstants();
  const created: FsPath[] = [];
  let trail: FsPath[] = [];
  let cur = openat(rootFd, '.', k.O_RDONLY | k.O_DIRECTORY);
  let links = 0;
  try {
    const queue = [...components];
    while (queue.length > 0) {
      const name = queue.shift()!;
      if (name === '' || name === '.') continue;
      if (name === '..') {
        // Only a trusted link's target can hold "..": go up by reopening from the root.
        if (trail.length === 0) throw new UnsafePathError('escape', showPath(dir), `${showPath(dir)} leads outside ${root} through a symlink; refused`);
        trail = trail.slice(0, -1);
        closeSync(cur);
        cur = openat(rootFd, trail.length === 0 ? '.' : joinComponents(trail), k.O_RDONLY | k.O_DIRECTORY | k.O_NOFOLLOW);
        continue;
      }
      const herePath = joinComponents([root, ...trail, name]);
      const here = showPath(herePath);
      let next: number;
      try {
        next = openChild(cur, name, herePath, createMode, created);
      } catch (err) {
        const code = (err as SystemCallError).code;
        if (code !== 'ELOOP' && code !== 'ENOTDIR') throw err;
        const st = fstatat(cur, name, k.AT_SYMLINK_NOFOLLOW);
        if (!isSymlink(st)) throw new UnsafePathError('not-folder', here, `${here} is not a folder; refused`, { cause: err });
        if (!isTrustedLink(cur, st)) {
          throw new UnsafePathError('symlink', here, `${here} is a symbolic link in a folder that someone other than root can write; refusing to follow it`, { cause: err });
        }
        if (++links > MAX_LINKS) throw new UnsafePathError('symlink', here, `too many symbolic links under ${here}; refused`, { cause: err });
        const targetBytes = readlinkat(cur, name);
        const target = fsPathOf(targetBytes);
        if (targetBytes[0] !== 0x2f) queue.unshift(...splitFsPath(target));
        else if (typeof target !== 'string') {
          // An absolute target that is not UTF-8 can't be compared with the (text) root: refused.
          throw new UnsafePathError('escape', here, `${here} is a symbolic link to ${showPath(target)}, not known to stay inside ${root}; refused`, { cause: err });
        } else {
          // An absolute target is a path of this machine: followed only while it stays beneath the root.
          const inside = relativeBeneath(root, target);
          if (inside === undefined) throw new UnsafePathError('escape', here, `${here} is a symbolic link to ${target}, outside ${root}; refused`, { cause: err });
          queue.unshift(...inside);
          trail = [];
          closeSync(cur);
          cur = openat(rootFd, '.', k.O_RDONLY | k.O_DIRECTORY);
        }
        continue;
      }
      closeSync(cur);
      cur = next;
      trail.push(name);
    }
    return describe(cur, dir, created);
  } catch (err) {
    closeSync(cur);
    throw err;
  }
}

/** `target`'s components below `root` (through the root's real path too), or undefined when outside. */
function relativeBeneath(root: string, target: string): string[] | undefined {
  for (const base of new Set([root, realpathSync(root)])) {
    const rel = relative(base, target);
    if (!rel.startsWith('..') && !isAbsolute(rel)) return rel.split(sep);
  }
  return undefined;
}

/** Opens one child folder without following a link; creates it first when asked and missing. */
function openChild(cur: number, name: FsPath, here: FsPath, createMode: number | undefined, created: FsPath[]): number {
  const k = nativeConstants();
  const flags = k.O_RDONLY | k.O_DIRECTORY | k.O_NOFOLLOW;
  try {
    return openat(cur, name, flags);
  } catch (err) {
    if ((err as SystemCallError).code !== 'ENOENT' || createMode === undefined) throw err;
  }
  try {
    mkdirat(cur, name, createMode);
    created.push(here);
  } catch (err) {
    // Made by someone else meanwhile: open what is there, with the same checks.
    if ((err as SystemCallError).code !== 'EEXIST') throw err;
  }
  return openat(cur, name, flags);
}

function describe(fd: number, path: FsPath, created: FsPath[]): BeneathFolder {
  try {
    const st = fstatat(fd, '', nativeConstants().AT_EMPTY_PATH);
    if (!isFolder(st)) throw new UnsafePathError('not-folder', showPath(path), `${showPath(path)} is not a folder; refused`);
    return { fd, path, dev: st.dev, ino: st.ino, created };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/**
 * `dir` relative to `root` (empty when it is the root), or undefined when it is outside. A text
 * path is normalised as path.relative does; a path in bytes must start with the root's bytes,
 * and any `..` in it is met by the walk, which refuses to climb above the root.
 */
function relativeFsPath(root: string, dir: FsPath): FsPath | undefined {
  if (typeof dir === 'string') {
    const rel = relative(root, dir);
    return rel.startsWith('..') || isAbsolute(rel) ? undefined : rel;
  }
  const base = Buffer.from(root.endsWith('/') ? root : `${root}/`, 'utf8');
  const bytes = fsPathBytes(dir);
  if (bytes.equals(base.subarray(0, base.length - 1)) || bytes.equals(base)) return '';
  if (bytes.length < base.length || !bytes.subarray(0, base.length).equals(base)) return undefined;
  return fsPathOf(bytes.subarray(base.length));
}

/** The components of a relative path, without empty ones and `.`, each exact. */
function splitFsPath(rel: FsPath): FsPath[] {
  if (typeof rel === 'string') return rel.split(rel.includes(sep) ? sep : '/').filter((c) => c !== '' && c !== '.');
  const parts: FsPath[] = [];
  let start = 0;
  for (let i = 0; i <= rel.length; i++) {
    if (i === rel.length || rel[i] === 0x2f) {
      if (i > start) parts.push(fsPathOf(rel.subarray(start, i)));
      start = i + 1;
    }
  }
  return parts.filter((c) => c !== '.');
}

/** Components joined with `/`, exact. */
function joinComponents(parts: readonly FsPath[]): FsPath {
  if (parts.every((p) => typeof p === 'string')) return join(...(parts as string[]));
  return parts.reduce((a, b) => joinFsPath(a, b));
}
