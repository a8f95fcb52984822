/**
 * Operations on one entry of a folder opened with openFolderBeneath: each names the entry
 * relative to the folder's fd and never follows a symlink at the entry itself.
 */
import { closeSync } from 'node:fs';
import { fstatat, linkat, nativeConstants, openat, renameat2, unlinkat, type NativeStat } from '../native/at-calls.js';
import type { SystemCallError } from '../native/system-call-error.js';
import { fsPathBytes, joinFsPath, showPath, type FsPath } from '../fs-path.js';
import type { BeneathFolder } from './open-folder-beneath.js';
import { UnsafePathError } from './unsafe-path-error.js';

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

export function isRegularFile(st: NativeStat): boolean {
  return (st.mode & S_IFMT) === S_IFREG;
}

/** Refuses a name that is not a single entry ("a/b", "..", ""). @throws UnsafePathError `escape` */
export function checkEntryName(name: FsPath): void {
  const bytes = fsPathBytes(name);
  const text = bytes.toString('latin1');
  if (text === '' || text === '.' || text === '..' || bytes.includes(0x2f)) {
    throw new UnsafePathError('escape', showPath(name), `${JSON.stringify(showPath(name))} is not a plain file name; refused`);
  }
}

/**
 * The entry's own status (a symlink is reported as one), or undefined when there is none.
 * @throws SystemCallError other than ENOENT.
 */
export function statEntry(folder: BeneathFolder, name: FsPath): NativeStat | undefined {
  checkEntryName(name);
  try {
    return fstatat(folder.fd, name, nativeConstants().AT_SYMLINK_NOFOLLOW);
  } catch (err) {
    if ((err as SystemCallError).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Unlinks the entry (a file or a link; never what a link points to). @throws SystemCallError (ENOENT, EISDIR, ...) */
export function unlinkEntry(folder: BeneathFolder, name: FsPath): void {
  checkEntryName(name);
  unlinkat(folder.fd, name, 0);
}

/** Unlinks the entry if there; false when it was already gone. Never throws. */
export function unlinkEntryQuietly(folder: BeneathFolder, name: FsPath): boolean {
  try {
    unlinkEntry(folder, name);
    return true;
  } catch {
    return false;
  }
}

/** Removes an empty child folder. @throws SystemCallError (ENOTEMPTY, ENOENT, ...) */
export function removeFolderEntry(folder: BeneathFolder, name: FsPath): void {
  checkEntryName(name);
  unlinkat(folder.fd, name, nativeConstants().AT_REMOVEDIR);
}

/**
 * Creates the entry as a new regular file open for writing: never an existing file, never
 * through a link (O_EXCL). Returns the fd.
 * @throws SystemCallError (EEXIST, EACCES, ENOSPC, ...).
 */
export function createEntry(folder: BeneathFolder, name: FsPath, mode: number): number {
  checkEntryName(name);
  const k = nativeConstants();
  return openat(folder.fd, name, k.O_WRONLY | k.O_CREAT | k.O_EXCL | k.O_NOFOLLOW, mode);
}

/**
 * Opens a regular file for reading, never through a link and never blocking: a FIFO or a
 * device is refused before it is opened (opening one can block or act), and what was opened is
 * checked to be the entry that was looked at. Returns the fd with its status.
 * @throws NotRegularFileError (a link, FIFO, device, socket or folder, `.code` ELOOP for a link,
 *   else EINVAL); SystemCallError ENOENT (gone) or another of fstatat/open.
 */
export function openRegularForReading(folder: BeneathFolder, name: FsPath): { fd: number; stat: NativeStat } {
  const k = nativeConstants();
  const before = fstatat(folder.fd, name, k.AT_SYMLINK_NOFOLLOW);
  if (!isRegularFile(before)) throw notRegular(folder, name, before);
  const fd = openat(folder.fd, name, k.O_RDONLY | k.O_NOFOLLOW | k.O_NONBLOCK | k.O_NOCTTY);
  try {
    const stat = fstatat(fd, '', k.AT_EMPTY_PATH);
    if (!isRegularFile(stat) || stat.dev !== before.dev || stat.ino !== before.ino) throw notRegular(folder, name, stat);
    return { fd, stat };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** Links `from` to the new name `to` in the same folder; never replaces (EEXIST). @throws SystemCallError */
export function linkEntry(folder: BeneathFolder, from: FsPath, to: FsPath): void {
  checkEntryName(from);
  checkEntryName(to);
  linkat(folder.fd, from, folder.fd, to, 0);
}

/**
 * Renames `from` to `to` in the same folder; `noReplace` refuses an existing `to` (EEXIST).
 * @throws SystemCallError.
 */
export function renameEntry(folder: BeneathFolder, from: FsPath, to: FsPath, noReplace: boolean): void {
  checkEntryName(from);
  checkEntryName(to);
  renameat2(folder.fd, from, folder.fd, to, noReplace ? nativeConstants().RENAME_NOREPLACE : 0);
}

/** An entry that is not a regular file where one was expected; it was never opened. */
export class NotRegularFileError extends Error {
  override readonly name = 'NotRegularFileError';
  /** ELOOP for a symlink, EINVAL for anything else, so callers branch as on a failed open. */
  readonly code: 'ELOOP' | 'EINVAL';
  constructor(readonly path: string, readonly fileType: string) {
    super(`${path} is ${fileType}, not a regular file; not opened`);
    this.code = fileType === 'a symbolic link' ? 'ELOOP' : 'EINVAL';
  }
}

function notRegular(folder: BeneathFolder, name: FsPath, st: NativeStat): NotRegularFileError {
  return new NotRegularFileError(showPath(joinFsPath(folder.path, name)), describeType(st.mode));
}

/** A file type in words, for messages. */
export function describeType(mode: number): string {
  switch (mode & S_IFMT) {
    case 0o010000: return 'a FIFO';
    case 0o020000: return 'a character device';
    case 0o060000: return 'a block device';
    case 0o140000: return 'a socket';
    case 0o040000: return 'a folder';
    case 0o120000: return 'a symbolic link';
    default: return 'a regular file';
  }
}
