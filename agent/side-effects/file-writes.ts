import { randomBytes } from 'node:crypto';
import { chown, link, mkdir, open, rename, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Mode, owner and times a written file must end up with. */
export interface FileShape {
  readonly mode: number;
  /** Left to the defaults of a new file when absent (a non-root restore cannot give files away). */
  readonly owner?: { readonly uid: number; readonly gid: number };
  readonly atimeMs: number;
  readonly mtimeMs: number;
}

/**
 * Replaces a file's content atomically: readers see the old bytes or the new ones, never a mix,
 * even across a crash (temp file in the same folder, fsync, rename, fsync the folder). The new
 * file gets the given mode, owner and times.
 * @throws whatever `beforeRename` throws, the fs error (EACCES, ENOSPC...), or EPERM when the owner cannot be kept because we are
 *   not root; the temp file is removed on failure and the original is untouched.
 */
export async function replaceFileAtomic(path: string, bytes: Uint8Array, shape: FileShape, beforeRename?: () => Promise<void>): Promise<void> {
  const temp = tempNameBeside(path);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await writeShaped(handle, bytes, shape);
    await handle.close();
    // Last look before the switch, so an edit made meanwhile (crontab -e) is not thrown away.
    await beforeRename?.();
    await rename(temp, path);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncFolder(dirname(path));
}

/**
 * Creates a file that must not exist yet, complete or not at all: the bytes are written and
 * shaped under a temp name, then hard-linked to the final name, which fails rather than
 * replace anything that appeared meanwhile.
 * @throws EEXIST when the name is taken, or the fs error; nothing is left behind on failure.
 */
export async function createFileExclusive(path: string, bytes: Uint8Array, shape: FileShape): Promise<void> {
  const temp = tempNameBeside(path);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await writeShaped(handle, bytes, shape);
    await handle.close();
    await linkOrCopy(temp, path, bytes, shape);
  } finally {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
  }
  await syncFolder(dirname(path));
}

/**
 * Creates the missing folders above `dir` (mode 0755, owned like the nearest folder that
 * exists, so a re-created `~/.config/autostart` belongs to the user) and returns them, outermost
 * first, so that an undo can remove exactly those.
 * @throws the fs error; folders created before the failure are removed again.
 */
export async function createMissingFolders(dir: string): Promise<string[]> {
  const missing: string[] = [];
  let probe = dir;
  let existing = await stat(probe).catch(() => undefined);
  while (existing === undefined) {
    missing.unshift(probe);
    probe = dirname(probe);
    existing = await stat(probe).catch(() => undefined);
  }
  const created: string[] = [];
  try {
    for (const folder of missing) {
      await mkdir(folder, 0o755);
      created.push(folder);
      if (isRoot()) await chown(folder, existing.uid, existing.gid);
    }
  } catch (err) {
    await removeFolders(created);
    throw err;
  }
  return created;
}

/** Removes folders created by `createMissingFolders`, innermost first; non-empty ones stay. Never throws. */
export async function removeFolders(created: readonly string[]): Promise<void> {
  for (const folder of [...created].reverse()) await rmdir(folder).catch(() => undefined);
}

/** True when this process may give files away to other owners. */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

async function writeShaped(handle: FileHandle, bytes: Uint8Array, shape: FileShape): Promise<void> {
  await handle.writeFile(bytes);
  const current = await handle.stat();
  const owner = shape.owner;
  // chown first: it clears setuid/setgid bits, which the chmod after it puts back.
  if (owner !== undefined && (current.uid !== owner.uid || current.gid !== owner.gid)) await handle.chown(owner.uid, owner.gid);
  await handle.chmod(shape.mode & 0o7777);
  await handle.utimes(shape.atimeMs / 1000, shape.mtimeMs / 1000);
  await handle.sync();
}

async function linkOrCopy(temp: string, path: string, bytes: Uint8Array, shape: FileShape): Promise<void> {
  try {
    await link(temp, path);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
  }
  // A filesystem without hard links: an exclusive create still never replaces anything, at the
  // price of a partly written file being visible for a moment.
  const handle = await open(path, 'wx', 0o600);
  try {
    await writeShaped(handle, bytes, shape);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw err;
  }
  await handle.close();
}

function tempNameBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.epq-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * fsyncs a folder so that a rename or unlink in it survives a crash.
 * @throws the error of opening the folder; a refused fsync itself is ignored.
 */
export async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on a folder; the file data itself is already synced.
  } finally {
    await handle.close();
  }
}
