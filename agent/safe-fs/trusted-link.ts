import { fstatat, type NativeStat } from '../native/at-calls.js';
import { nativeConstants } from '../native/at-calls.js';

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

export function isSymlink(st: NativeStat): boolean {
  return (st.mode & S_IFMT) === S_IFLNK;
}

export function isFolder(st: NativeStat): boolean {
  return (st.mode & S_IFMT) === S_IFDIR;
}

/**
 * A symlink is followed only when root made it where only root can write: the link is owned by
 * root and so is its folder, which neither group nor others may write. That keeps the system's
 * own links (/var/run -> /run, /bin -> usr/bin) working, while a link planted in a folder a
 * user can write is never followed (the kernel's protected_symlinks has the same idea).
 * @throws SystemCallError of fstat on the folder.
 */
export function isTrustedLink(folderFd: number, link: NativeStat): boolean {
  if (link.uid !== 0) return false;
  const folder = fstatat(folderFd, '', nativeConstants().AT_EMPTY_PATH);
  return folder.uid === 0 && (folder.mode & 0o022) === 0;
}
