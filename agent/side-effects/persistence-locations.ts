import { posix } from 'node:path';
import type { HomeFolder } from './home-folders.js';
import { listFolder } from './list-folder.js';
import type { FileSideEffectRole, LineSideEffectRole, SideEffectWarning } from './side-effect.js';

/** A shared file whose individual lines may start the detected program. */
export interface LineFileCandidate {
  readonly systemPath: string;
  readonly role: LineSideEffectRole;
  /** The home folder the file belongs to, so `~/...` spellings of the path are matched too. */
  readonly home?: string;
}

/** A folder whose files are each one persistence entry, taken whole when they reference the path. */
export interface WholeFileFolder {
  readonly systemDir: string;
  readonly role: FileSideEffectRole;
  readonly suffixes: readonly string[];
  readonly home?: string;
}

// Beyond what cron, the loader and the login shells read by design, bash.bashrc, /etc/profile,
// .bash_profile, .bash_login and .zshrc are included: they are just as common a foothold.
const SYSTEM_RC_FILES = ['/etc/profile', '/etc/bash.bashrc'];
const HOME_RC_FILES = ['.bashrc', '.profile', '.bash_profile', '.bash_login', '.zshrc'];
const UNIT_SUFFIXES = ['.service', '.timer'];

/**
 * The line-oriented persistence files that exist under the root: `/etc/crontab`,
 * `/etc/cron.d/*`, user crontabs (Debian's `/var/spool/cron/crontabs/*` and Red Hat's
 * `/var/spool/cron/*`), `/etc/profile.d/*.sh`, system and per-home shell rc files and
 * `/etc/ld.so.preload`. Files that do not exist are left for the reader to skip.
 */
export async function listLineFiles(realRoot: string, homes: readonly HomeFolder[], warnings: SideEffectWarning[]): Promise<LineFileCandidate[]> {
  const homeOf = (user: string): string | undefined => homes.find((h) => h.user === user)?.home;
  const all = (): boolean => true;
  const cronD = await listFolder(realRoot, '/etc/cron.d', all, warnings);
  const debianSpool = await listFolder(realRoot, '/var/spool/cron/crontabs', all, warnings);
  const redHatSpool = await listFolder(realRoot, '/var/spool/cron', (n) => n !== 'crontabs' && !n.startsWith('.'), warnings);
  const profileD = await listFolder(realRoot, '/etc/profile.d', (n) => n.endsWith('.sh'), warnings);
  const spool = [...debianSpool, ...redHatSpool].map((e): LineFileCandidate => {
    const home = homeOf(e.name);
    return home === undefined ? { systemPath: e.systemPath, role: 'user-crontab' } : { systemPath: e.systemPath, role: 'user-crontab', home };
  });
  return [
    { systemPath: '/etc/crontab', role: 'crontab' },
    ...cronD.map((e): LineFileCandidate => ({ systemPath: e.systemPath, role: 'cron.d' })),
    ...spool,
    ...profileD.map((e): LineFileCandidate => ({ systemPath: e.systemPath, role: 'shell-rc' })),
    ...SYSTEM_RC_FILES.map((p): LineFileCandidate => ({ systemPath: p, role: 'shell-rc' })),
    { systemPath: '/etc/ld.so.preload', role: 'ld.so.preload' },
    ...homes.flatMap((h) => HOME_RC_FILES.map((f): LineFileCandidate => ({ systemPath: posix.join(h.home, f), role: 'shell-rc', home: h.home }))),
  ];
}

/**
 * Folders of whole-file entries: XDG autostart (system and per home) and systemd units. Vendor
 * unit folders (`/usr/lib/systemd/system`, `/lib/systemd/system`) are included because malware
 * running as root drops units there too; a false positive's unit comes back on restore.
 * Drop-in folders (`*.service.d/`) and `.wants/` symlinks are left alone: a link to a removed
 * unit is inert, and leaving it is what makes the restored unit enabled again.
 */
export function listWholeFileFolders(homes: readonly HomeFolder[]): WholeFileFolder[] {
  return [
    { systemDir: '/etc/xdg/autostart', role: 'autostart', suffixes: ['.desktop'] },
    ...homes.map((h): WholeFileFolder => ({ systemDir: posix.join(h.home, '.config/autostart'), role: 'autostart', suffixes: ['.desktop'], home: h.home })),
    { systemDir: '/etc/systemd/system', role: 'systemd-unit', suffixes: UNIT_SUFFIXES },
    { systemDir: '/usr/lib/systemd/system', role: 'systemd-unit', suffixes: UNIT_SUFFIXES },
    { systemDir: '/lib/systemd/system', role: 'systemd-unit', suffixes: UNIT_SUFFIXES },
    { systemDir: '/etc/systemd/user', role: 'systemd-unit', suffixes: UNIT_SUFFIXES },
    ...homes.map((h): WholeFileFolder => ({ systemDir: posix.join(h.home, '.config/systemd/user'), role: 'systemd-unit', suffixes: UNIT_SUFFIXES, home: h.home })),
  ];
}
