/**
 * The side effects' file writes. Each acts relative to the target's folder, opened from / without
 * following a link someone other than root could have planted (agent/safe-fs), so a folder
 * swapped for a symlink between the path's check and the write can't make root write, rename or
 * unlink elsewhere.
 */
import { randomBytes } from 'node:crypto';
import { close, fchmod, fchown, fchownSync, fsync, write } from 'node:fs';
import { basename, dirname } from 'node:path';
import { promisify } from 'node:util';
import { fstatat, futimens, nativeConstants } from '../native/at-calls.js';
import { removeCreated } from '../safe-fs/created-folders.js';
import { createEntry, linkEntry, renameEntry, statEntry, unlinkEntry, unlinkEntryQuietly } from '../safe-fs/folder-entries.js';
import { closeFolder, openFolderBeneath, withFolderBeneath, type BeneathFolder } from '../safe-fs/open-folder-beneath.js';
import { dirnameFsPath, type FsPath } from '../fs-path.js';

const writeAsync = promisify(write);
const fsyncAsync = promisify(fsync);
const closeAsync = promisify(close);
const fchownAsync = promisify(fchown);
const fchmodAsync = promisify(fchmod);

/** Every write below resolves its folder from here: the side effects' paths are host paths already checked to lie inside the root. */
const TRUSTED_ROOT = '/';

/** Mode, owner and times a written file must end up with. */
export interface FileShape {
  readonly mode: number;
  /** Left to the defaults of a new file when absent (a non-root restore cannot give files away). */
  readonly owner?: { readonly uid: number; readonly gid: number };
  readonly atimeMs: number;
  readonly mtimeMs: number;
  /** The same times to the nanosecond; used instead of the `*Ms` ones when given. */
  readonly atimeNs?: bigint;
  readonly mtimeNs?: bigint;
}

/**
 * Replaces a file's content atomically: readers see the old bytes or the new ones, never a mix,
 * even across a crash (temp file in the same folder, fsync, rename, fsync the folder). The new
 * file gets the given mode, owner and times.
 * @throws whatever `beforeRename` throws, UnsafePathError (a planted link on the way), the fs
 *   error (EACCES, ENOSPC...), or EPERM when the owner cannot be kept because we are not root;
 *   the temp file is removed on failure and the original is untouched.
 */
export async function replaceFileAtomic(path: string, bytes: Uint8Array, shape: FileShape, beforeRename?: () => Promise<void>): Promise<void> {
  const folder = openFolderBeneath(TRUSTED_ROOT, dirname(path));
  try {
    const temp = tempNameFor(path);
    const fd = createEntry(folder, temp, 0o600);
    try {
      await writeShaped(fd, bytes, shape);
      // Last look before the switch, so an edit made meanwhile (crontab -e) is not thrown away.
      await beforeRename?.();
      renameEntry(folder, temp, basename(path), false);
    } catch (err) {
      unlinkEntryQuietly(folder, temp);
      throw err;
    } finally {
      await closeAsync(fd).catch(() => undefined);
    }
    await syncFolderFd(folder);
  } finally {
    closeFolder(folder);
  }
}

/**
 * Creates a file that must not exist yet, complete or not at all: the bytes are written and
 * shaped under a temp name, then hard-linked to the final name, which fails rather than
 * replace anything that appeared meanwhile.
 * @throws EEXIST when the name is taken, UnsafePathError, or the fs error; nothing is left
 *   behind on failure.
 */
export async function createFileExclusive(path: string, bytes: Uint8Array, shape: FileShape): Promise<void> {
  const folder = openFolderBeneath(TRUSTED_ROOT, dirname(path));
  try {
    const temp = tempNameFor(path);
    const fd = createEntry(folder, temp, 0o600);
    try {
      await writeShaped(fd, bytes, shape);
      await linkOrCreate(folder, temp, basename(path), bytes, shape);
    } finally {
      await closeAsync(fd).catch(() => undefined);
      unlinkEntryQuietly(folder, temp);
    }
    await syncFolderFd(folder);
  } finally {
    closeFolder(folder);
  }
}

/**
 * Creates the missing folders above `dir` (mode 0755, owned like the nearest folder that
 * exists, so a re-created `~/.config/autostart` belongs to the user) and returns them, outermost
 * first, so that an undo can remove exactly those.
 * @throws UnsafePathError or the fs error; folders created before the failure are removed again.
 */
export async function createMissingFolders(dir: string): Promise<FsPath[]> {
  const folder = openFolderBeneath(TRUSTED_ROOT, dir, { createMode: 0o755 });
  const created = [...folder.created];
  closeFolder(folder);
  if (created.length === 0 || !isRoot()) return created;
  try {
    const owner = withFolderBeneath(TRUSTED_ROOT, dirnameFsPath(created[0]!), (f) => fstatat(f.fd, '', nativeConstants().AT_EMPTY_PATH));
    for (const made of created) withFolderBeneath(TRUSTED_ROOT, made, (f) => fchownSync(f.fd, owner.uid, owner.gid));
  } catch (err) {
    removeCreated(TRUSTED_ROOT, created);
    throw err;
  }
  return created;
}

/** Removes folders created by `createMissingFolders`, innermost first; non-empty ones stay. Never throws. */
export async function removeFolders(created: readonly FsPath[]): Promise<void> {
  removeCreated(TRUSTED_ROOT, created);
}

/**
 * Unlinks the entry at `path` (never what a link there points to), relative to its folder opened
 * without following a planted link; when `expected` is given, only while the entry is still that
 * very file (device and inode).
 * @throws UnsafePathError, or the fs error of unlink (ENOENT, EISDIR, ...); a mismatch throws
 *   nothing and unlinks nothing, and returns false.
 */
export async function unlinkFileSafely(path: string, expected?: { readonly dev: number | bigint; readonly ino: number | bigint }): Promise<boolean> {
  return withFolderBeneath(TRUSTED_ROOT, dirname(path), (folder) => {
    if (expected !== undefined) {
      const now = statEntry(folder, basename(path));
      if (now === undefined || now.dev !== BigInt(expected.dev) || now.ino !== BigInt(expected.ino)) return false;
    }
    unlinkEntry(folder, basename(path));
    return true;
  });
}

/** True when this process may give files away to other owners. */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

async function writeShaped(fd: number, bytes: Uint8Array, shape: FileShape): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await writeAsync(fd, bytes, done, bytes.length - done, done);
    done += bytesWritten;
  }
  const current = fstatat(fd, '', nativeConstants().AT_EMPTY_PATH);
  const owner = shape.owner;
  // chown first: it clears setuid/setgid bits, which the chmod after it puts back.
  if (owner !== undefined && (current.uid !== owner.uid || current.gid !== owner.gid)) await fchownAsync(fd, owner.uid, owner.gid);
  await fchmodAsync(fd, shape.mode & 0o7777);
  futimens(fd, shape.atimeNs ?? msToNs(shape.atimeMs), shape.mtimeNs ?? msToNs(shape.mtimeMs));
  await fsyncAsync(fd);
}

/** Milliseconds (as Stats carries them, a float) to whole nanoseconds. */
export function msToNs(ms: number): bigint {
  return BigInt(Math.round(ms * 1e6));
}

async function linkOrCreate(folder: BeneathFolder, temp: string, name: string, bytes: Uint8Array, shape: FileShape): Promise<void> {
  try {
    linkEntry(folder, temp, name);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
  }
  // A filesystem without hard links: an exclusive create still never replaces anything, at the
  // price of a partly written file being visible for a moment.
  const fd = createEntry(folder, name, 0o600);
  try {
    await writeShaped(fd, bytes, shape);
  } catch (err) {
    unlinkEntryQuietly(folder, name);
    throw err;
  } finally {
    await closeAsync(fd).catch(() => undefined);
  }
}

function tempNameFor(path: string): string {
  return `.${basename(path)}.epq-${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
}

async function syncFolderFd(folder: BeneathFolder): Promise<void> {
  try {
    await fsyncAsync(folder.fd);
  } catch {
    // Some filesystems refuse fsync on a folder; the file data itself is already synced.
  }
}

/**
 * fsyncs a folder so that a rename or unlink in it survives a crash. Opened without following a
 * planted link, though an fsync writes nothing anyway.
 * @throws the error of opening the folder; a refused fsync itself is ignored.
 */
export async function syncFolder(dir: string): Promise<void> {
  const folder = openFolderBeneath(TRUSTED_ROOT, dir);
  try {
    await syncFolderFd(folder);
  } finally {
    closeFolder(folder);
  }
}
