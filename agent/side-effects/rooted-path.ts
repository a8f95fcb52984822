import { lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import { join, posix, relative } from 'node:path';
import { SideEffectPathError } from './side-effect-errors.js';

/** A system-namespace path resolved to where it really is on the host, inside the root. */
export interface RootedPath {
  /** The normalised system-namespace path (`/etc/crontab`). */
  readonly systemPath: string;
  /**
   * Host path with every existing symlink resolved; for a path that does not exist yet, the
   * resolved deepest existing folder plus the missing tail.
   */
  readonly realPath: string;
  readonly exists: boolean;
}

/**
 * Resolves the configured root folder to its real path.
 * @throws SideEffectPathError when the root does not exist or is not a folder.
 */
export async function resolveRoot(root: string): Promise<string> {
  try {
    const real = await realpath(root);
    if (!(await stat(real)).isDirectory()) throw new SideEffectPathError(root, 'the filesystem root is not a folder');
    return real;
  } catch (err) {
    if (err instanceof SideEffectPathError) throw err;
    throw new SideEffectPathError(root, `the filesystem root cannot be used (${(err as Error).message})`, { cause: err });
  }
}

/**
 * Checks the lexical form of a system-namespace path and returns it normalised. `..` is refused
 * outright rather than resolved: a recorded path has no business climbing, and resolving it
 * lexically could hide an escape through a symlinked folder.
 * @throws SideEffectPathError when the path is not absolute, contains NUL or a `..` component.
 */
export function checkSystemPath(path: string): string {
  if (typeof path !== 'string' || !path.startsWith('/')) throw new SideEffectPathError(String(path), 'not an absolute path');
  if (path.includes('\0')) throw new SideEffectPathError(path, 'contains a NUL character');
  if (path.split('/').includes('..')) throw new SideEffectPathError(path, 'contains ".." and could escape the filesystem root');
  return posix.normalize(path);
}

/**
 * Resolves a system-namespace path under the real root, following symlinks only as far as they
 * stay inside it (a symlink is judged by where the kernel would really go, so an absolute link
 * target in a test root points at the host and is refused).
 * @throws SideEffectPathError when the path is malformed, resolves outside the root, crosses a
 *   dangling symlink, or a component that should be a folder is not one.
 */
export async function resolveInRoot(realRoot: string, systemPath: string): Promise<RootedPath> {
  const normal = checkSystemPath(systemPath);
  const host = join(realRoot, normal);
  let probe = host;
  const missing: string[] = [];
  for (;;) {
    const real = await tryRealpath(probe, normal);
    if (real !== undefined) {
      if (!isInside(realRoot, real)) throw new SideEffectPathError(normal, `resolves outside the filesystem root (to ${real})`);
      refuseUntrustedLinks(realRoot, probe, normal);
      return { systemPath: normal, realPath: join(real, ...missing), exists: missing.length === 0 };
    }
    await refuseDanglingLink(probe, normal);
    missing.unshift(posix.basename(probe));
    probe = posix.dirname(probe);
  }
}

/** A path whose folder is resolved but whose last component is taken as it is (not followed). */
export interface RootedEntry {
  readonly systemPath: string;
  /** Resolved folder (may not exist yet) + the last component. */
  readonly entryPath: string;
  readonly folder: RootedPath;
}

/**
 * Like `resolveInRoot`, but leaves the last component unresolved: a whole file is judged and
 * removed or created by its own name, so a symlink found in its place is seen as a symlink.
 * @throws SideEffectPathError as `resolveInRoot` does, or for the root itself.
 */
export async function resolveEntryInRoot(realRoot: string, systemPath: string): Promise<RootedEntry> {
  const normal = checkSystemPath(systemPath);
  if (normal === '/') throw new SideEffectPathError(normal, 'is the filesystem root, not a file');
  const folder = await resolveInRoot(realRoot, posix.dirname(normal));
  return { systemPath: normal, entryPath: join(folder.realPath, posix.basename(normal)), folder };
}

/** lstat that answers undefined for a missing entry and throws any other error. */
export async function lstatIfExists(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/** True when `path` is `realRoot` itself or lies below it. */
export function isInside(realRoot: string, path: string): boolean {
  if (realRoot === '/') return path.startsWith('/');
  return path === realRoot || path.startsWith(`${realRoot}/`);
}

/** The system-namespace name of a host path that lies inside the real root. */
export function toSystemPath(realRoot: string, hostPath: string): string {
  return realRoot === '/' ? hostPath : `/${relative(realRoot, hostPath)}`;
}

async function tryRealpath(path: string, systemPath: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') throw new SideEffectPathError(systemPath, 'a component of the path is not a folder', { cause: err });
    if (code === 'ELOOP') throw new SideEffectPathError(systemPath, 'too many levels of symbolic links', { cause: err });
    throw new SideEffectPathError(systemPath, `cannot be resolved (${(err as Error).message})`, { cause: err });
  }
}

/**
 * Root edits and restores these files on behalf of whoever owns them: a symlink on the way is
 * followed only if root made it in a folder only root can write (see agent/safe-fs). A link a
 * user planted (~/.bashrc -> /etc/ld.so.preload) would otherwise let a restore put the user's
 * line into a system file.
 * @throws SideEffectPathError naming the link refused.
 */
function refuseUntrustedLinks(realRoot: string, hostPath: string, systemPath: string, depth = 0): void {
  const rel = relative(realRoot, hostPath);
  if (rel === '' || rel.startsWith('..') || depth > 40) return;
  const names = rel.split('/');
  let folder = realRoot;
  for (const [i, name] of names.entries()) {
    const here = join(folder, name);
    // Synchronous: a cached metadata lookup per component, cheaper than the thread pool.
    const entry = lstatSync(here, { throwIfNoEntry: false });
    if (entry?.isSymbolicLink()) {
      const parent = statSync(folder);
      if (entry.uid !== 0 || parent.uid !== 0 || (parent.mode & 0o022) !== 0) {
        throw new SideEffectPathError(systemPath, `goes through the symbolic link ${here} in a folder that someone other than root can write; refusing to follow it`);
      }
      // A trusted link: go on checking from where it leads.
      let target: string;
      try {
        target = realpathSync(here);
      } catch {
        return;
      }
      return refuseUntrustedLinks(realRoot, join(target, ...names.slice(i + 1)), systemPath, depth + 1);
    }
    folder = here;
  }
}

async function refuseDanglingLink(path: string, systemPath: string): Promise<void> {
  // realpath said ENOENT; if lstat still sees an entry, it is a symlink to nowhere, and creating
  // a file through it would land wherever the link points.
  const entry = await lstat(path).catch(() => undefined);
  if (entry?.isSymbolicLink()) throw new SideEffectPathError(systemPath, `crosses a dangling symbolic link (${path})`);
}
