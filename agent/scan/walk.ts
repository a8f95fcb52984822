import { lstat, readdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import picomatch from 'picomatch';
import { fsPathText, joinFsPath, type FsPath } from '../fs-path.js';
import { describeSystemError } from './scan-errors.js';

/** Paths are as the file system gave them: bytes when a name is not valid UTF-8 (see fs-path.ts). */
export type WalkItem =
  | { readonly kind: 'file'; readonly path: FsPath; readonly size: number; readonly ctimeMs: number; readonly viaSymlink: boolean }
  | { readonly kind: 'skip'; readonly path: FsPath; readonly reason: string }
  | { readonly kind: 'error'; readonly path: FsPath; readonly code: string | undefined; readonly message: string };

export interface WalkOptions {
  readonly followSymlinks: boolean;
  readonly exclude: readonly string[];
}

/**
 * Compiles `--exclude` globs. A pattern without `/` matches a name at any depth (`*.iso`);
 * one with `/` matches the whole absolute path (`/home/*\/cache/**`).
 */
export function compileExcludes(patterns: readonly string[]): (path: FsPath) => boolean {
  if (patterns.length === 0) return () => false;
  const matchers = patterns.map((p) => picomatch(p, { dot: true, basename: !p.includes('/') }));
  return (path) => {
    const text = fsPathText(path);
    return matchers.some((m) => m(text));
  };
}

/**
 * Yields every regular file under the given paths, depth first, without loading a whole tree
 * into memory. Symlinks inside folders are skipped unless `followSymlinks`; a path given by the
 * user is followed. Sockets, FIFOs and devices are skipped; unreadable entries are errors and
 * the walk goes on.
 */
export async function* walkPaths(paths: readonly FsPath[], options: WalkOptions): AsyncGenerator<WalkItem> {
  const excluded = compileExcludes(options.exclude);
  const seenDirs = new Set<string>();
  for (const given of paths) {
    // A path in bytes comes from an earlier walk, already absolute.
    const path = typeof given === 'string' ? resolve(given) : given;
    if (excluded(path)) {
      yield { kind: 'skip', path, reason: 'excluded' };
      continue;
    }
    yield* walkEntry(path, true, options, excluded, seenDirs);
  }
}

async function* walkEntry(
  path: FsPath,
  given: boolean,
  options: WalkOptions,
  excluded: (p: FsPath) => boolean,
  seenDirs: Set<string>,
): AsyncGenerator<WalkItem> {
  let info;
  let viaSymlink = false;
  try {
    info = await lstat(path);
    if (info.isSymbolicLink()) {
      viaSymlink = true;
      if (!given && !options.followSymlinks) {
        yield { kind: 'skip', path, reason: 'symbolic link' };
        return;
      }
      info = await stat(path);
    }
  } catch (err) {
    const { code, reason } = describeSystemError(err);
    yield { kind: 'error', path, code, message: reason };
    return;
  }
  if (info.isFile()) {
    yield { kind: 'file', path, size: info.size, ctimeMs: info.ctimeMs, viaSymlink };
    return;
  }
  if (!info.isDirectory()) {
    yield { kind: 'skip', path, reason: 'not a regular file' };
    return;
  }
  // dev:ino stops loops when symlinks are followed.
  const id = `${info.dev}:${info.ino}`;
  if (seenDirs.has(id)) return;
  seenDirs.add(id);
  let children: Buffer[];
  try {
    // Names as bytes: decoded as UTF-8, a name that is not valid UTF-8 would come back as
    // U+FFFD and name no file at all.
    children = await readdir(path, { encoding: 'buffer' });
  } catch (err) {
    const { code, reason } = describeSystemError(err);
    yield { kind: 'error', path, code, message: reason };
    return;
  }
  children.sort(Buffer.compare);
  for (const name of children) {
    const child = joinFsPath(path, name);
    if (excluded(child)) {
      yield { kind: 'skip', path: child, reason: 'excluded' };
      continue;
    }
    yield* walkEntry(child, false, options, excluded, seenDirs);
  }
}
