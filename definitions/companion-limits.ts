/**
 * Limits on the companion patterns a signed definitions set may name. A companion is deleted
 * with the detection, so a pattern such as `/etc/*` in one bad update would empty a system
 * folder on every endpoint that detects anything with that signature.
 */

/** Most companion patterns one signature may declare; more are refused at build and install. */
export const MAX_COMPANION_PATTERNS = 16;
/** Most companion files one detection takes; the rest are left in place with a warning. */
export const MAX_COMPANION_FILES = 64;
/**
 * Literal characters a glob must start with in a system folder (`/etc/evil-*`, not
 * `/etc/*.conf`), and hold somewhere in a shared folder (`/var/tmp/*.payload`, not `/tmp/*`).
 */
export const MIN_GLOB_LITERALS = 3;

/** Folders (and everything below them) that belong to the system. */
const SYSTEM_TREES = ['/etc', '/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/boot', '/dev', '/proc', '/sys', '/run', '/root', '/snap',
  '/var/lib', '/var/spool', '/var/log', '/var/cache', '/var/mail', '/var/opt', '/var/www'];
/** Shared folders (and each home folder itself): protected, though what lies below them is not. */
const SHARED_FOLDERS = ['/', '/opt', '/home', '/tmp', '/var', '/var/tmp', '/dev/shm', '/mnt', '/media', '/srv'];

const GLOB_CHARS = /[*?]/;

/**
 * Why a companion pattern is refused, or undefined when it is acceptable: it must be an
 * absolute path without NUL or `..`; `*` and `?` only in its last component; a glob in a system
 * folder must start with `MIN_GLOB_LITERALS` literal characters, and one in a shared folder
 * must hold that many. Never throws.
 */
export function checkCompanionPattern(pattern: string): string | undefined {
  if (!pattern.startsWith('/')) return 'must be an absolute path or glob';
  if (pattern.includes('\0')) return 'contains a NUL character';
  // Companions are resolved under the configured filesystem root; ".." could climb out of it.
  if (pattern.split('/').includes('..')) return 'must not contain ".."';
  const cut = pattern.lastIndexOf('/');
  const folder = normalFolder(pattern.slice(0, cut));
  const name = pattern.slice(cut + 1);
  if (GLOB_CHARS.test(folder)) return '"*" and "?" are only allowed in the last path component';
  if (!GLOB_CHARS.test(name)) return undefined;
  const example = `${folder === '/' ? '' : folder}/evil-*`;
  if (isSystemTree(folder) && name.search(GLOB_CHARS) < MIN_GLOB_LITERALS) {
    return `is a bare glob in the system folder ${folder} (a glob there must start with at least ${MIN_GLOB_LITERALS} literal characters, such as "${example}")`;
  }
  if (isSharedFolder(folder) && name.replace(/[*?]/g, '').length < MIN_GLOB_LITERALS) {
    return `is a bare glob in the shared folder ${folder} (a glob there must hold at least ${MIN_GLOB_LITERALS} literal characters, such as "${example}")`;
  }
  return undefined;
}

/** True for a folder in a system tree (`/etc`, `/usr/bin`, `/var/lib/x`...). */
export function isSystemTree(folder: string): boolean {
  return SYSTEM_TREES.some((tree) => folder === tree || folder.startsWith(`${tree}/`));
}

/** True for a shared folder such as `/tmp` or `/opt`, or a home folder itself (`/home/bob`). */
export function isSharedFolder(folder: string): boolean {
  return SHARED_FOLDERS.includes(folder) || /^\/home\/[^/]+$/.test(folder);
}

function normalFolder(folder: string): string {
  const parts = folder.split('/').filter((p) => p !== '' && p !== '.');
  return `/${parts.join('/')}`;
}
