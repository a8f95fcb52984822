import { constants, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { open, type FileHandle } from 'node:fs/promises';
import { fstatat, nativeConstants } from '../native/at-calls.js';
import { isKnownMissing, rememberMissing } from './missing-paths.js';
import { resolveInRoot, type RootedPath } from './rooted-path.js';
import { SideEffectPathError } from './side-effect-errors.js';
import type { SideEffectWarning } from './side-effect.js';

/** Why a file was not read; the search turns it into a warning (or ignores a plain ENOENT). */
export class ReadSkip {
  /** `missingPath`: a full, symlink-checked lookup found nothing there (not a mere open error). */
  constructor(readonly path: string, readonly reason: string, readonly code?: string, readonly missingPath = false) {}

  toWarning(): SideEffectWarning {
    return this.code === undefined ? { path: this.path, reason: this.reason } : { path: this.path, reason: this.reason, code: this.code };
  }
}

export interface LimitedRead {
  readonly rooted: RootedPath;
  readonly bytes: Buffer;
  /** Taken before reading, so atime is the one the file had before we looked. */
  readonly stat: Stats;
  /** atime and mtime of the same stat to the nanosecond (Stats carries float milliseconds). */
  readonly timesNs?: { readonly atimeNs: bigint; readonly mtimeNs: bigint };
}

/** Size of a mebibyte, for caps. */
export const MIB = 1024 * 1024;

/**
 * Reads a regular file at a system-namespace path, at most `maxBytes` of it, without leaving the
 * root and without blocking on a FIFO. Never throws for a file problem: a missing, escaping,
 * unreadable, special or oversized file comes back as a `ReadSkip`.
 */
export async function readLimitedFile(realRoot: string, systemPath: string, maxBytes: number): Promise<LimitedRead | ReadSkip> {
  const key = `${realRoot}\0${systemPath}`;
  const host = join(realRoot, systemPath);
  if (isKnownMissing(host)) return new ReadSkip(systemPath, 'no such file or directory', 'ENOENT');
  const cached = CACHE.get(key);
  if (cached && cached.bytes.length <= maxBytes && isSameFile(cached.stat, host)) return cached;
  // Searches running together (a burst of detections) share one read of each file instead of
  // each reading it cold: 34 at once took 20 s apiece on a busy thread pool.
  const readingKey = `${key}\0${maxBytes}`;
  let reading = READING.get(readingKey);
  if (reading === undefined) {
    reading = readUncached(realRoot, systemPath, maxBytes).finally(() => READING.delete(readingKey));
    READING.set(readingKey, reading);
  }
  const read = await reading;
  if (read instanceof ReadSkip) {
    CACHE.delete(key);
    if (read.code === 'ENOENT' && read.missingPath) rememberMissing(host);
  }
  else {
    if (CACHE.size >= CACHE_LIMIT) CACHE.delete(CACHE.keys().next().value!);
    CACHE.set(key, read);
  }
  return read;
}

/**
 * Every detection searches the same few hundred persistence files (crontabs, rc files, systemd
 * units); reading them all each time cost ~0.4 s per detection. What was read is kept, and used
 * again only while one synchronous stat says it is the very same file, unchanged: same device,
 * inode, size, mtime and ctime (a swapped symlink or any write changes one of them).
 */
const CACHE = new Map<string, LimitedRead>();
const READING = new Map<string, Promise<LimitedRead | ReadSkip>>();
const CACHE_LIMIT = 4096;

function isSameFile(was: Stats, path: string): boolean {
  try {
    const now = statSync(path);
    return now.isFile() && now.dev === was.dev && now.ino === was.ino && now.size === was.size && now.mtimeMs === was.mtimeMs && now.ctimeMs === was.ctimeMs;
  } catch {
    return false;
  }
}

async function readUncached(realRoot: string, systemPath: string, maxBytes: number): Promise<LimitedRead | ReadSkip> {
  let rooted: RootedPath;
  try {
    rooted = await resolveInRoot(realRoot, systemPath);
  } catch (err) {
    if (err instanceof SideEffectPathError) return new ReadSkip(systemPath, err.reason);
    throw err;
  }
  if (!rooted.exists) return new ReadSkip(systemPath, 'no such file or directory', 'ENOENT', true);
  try {
    // O_NOFOLLOW: the path was resolved just above, so a symlink here was swapped in since.
    const handle = await open(rooted.realPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const stat = await handle.stat();
      // Right after, before the read can move atime.
      const ns = fstatat(handle.fd, '', nativeConstants().AT_EMPTY_PATH);
      if (!stat.isFile()) return new ReadSkip(systemPath, 'not a regular file');
      if (stat.size > maxBytes) return new ReadSkip(systemPath, `larger than the ${maxBytes}-byte cap; not read`, 'EFBIG');
      const bytes = await readUpTo(handle, maxBytes, stat.size);
      if (bytes === undefined) return new ReadSkip(systemPath, `grew past the ${maxBytes}-byte cap while being read`, 'EFBIG');
      return { rooted, bytes, stat, timesNs: { atimeNs: ns.atimeNs, mtimeNs: ns.mtimeNs } };
    } finally {
      await handle.close();
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return new ReadSkip(systemPath, e.message, typeof e.code === 'string' ? e.code : undefined);
  }
}

async function readUpTo(handle: FileHandle, maxBytes: number, expected: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    // Reading one byte past the cap tells a file that grew past it from one exactly at it.
    // Sized by what stat said (plus that byte) rather than a whole MiB: a persistence file is a
    // few hundred bytes, and a storm's searches read hundreds of them each.
    const chunk = Buffer.alloc(Math.min(MIB, maxBytes + 1 - total, Math.max(expected - total + 1, 4096)));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, total);
    if (bytesRead === 0) return Buffer.concat(chunks, total);
    chunks.push(chunk.subarray(0, bytesRead));
    total += bytesRead;
    if (total > maxBytes) return undefined;
  }
}
