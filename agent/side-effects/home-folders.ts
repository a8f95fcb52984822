import { readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { readLimitedFile, ReadSkip } from './read-limited.js';
import { decodeText } from './text-lines.js';
import type { SideEffectWarning } from './side-effect.js';

/** A home folder whose dot files and per-user persistence folders are searched. */
export interface HomeFolder {
  /** System-namespace path of the folder. */
  readonly home: string;
  /** The account name, when known (from `/etc/passwd`). */
  readonly user?: string;
}

/**
 * The home folders to search: `/root`, plus every home named in `<root>/etc/passwd` when that
 * file exists, else every folder under `<root>/home/`. Homes of system accounts (`/nonexistent`,
 * `/var/lib/...`) are kept: looking for a `.bashrc` there costs one failed lookup.
 * Never throws; an unreadable passwd or `/home` becomes a warning.
 */
export async function listHomeFolders(realRoot: string, maxBytes: number): Promise<{ homes: HomeFolder[]; warnings: SideEffectWarning[] }> {
  const warnings: SideEffectWarning[] = [];
  const homes = new Map<string, HomeFolder>([['/root', { home: '/root', user: 'root' }]]);
  const passwd = await readPasswd(realRoot, maxBytes, warnings);
  const found = passwd ?? (await listHomeDir(realRoot, warnings));
  for (const h of found) {
    if (!homes.has(h.home)) homes.set(h.home, h);
  }
  return { homes: [...homes.values()], warnings };
}

async function readPasswd(realRoot: string, maxBytes: number, warnings: SideEffectWarning[]): Promise<HomeFolder[] | undefined> {
  const read = await readLimitedFile(realRoot, '/etc/passwd', maxBytes);
  if (read instanceof ReadSkip) {
    if (read.code !== 'ENOENT') warnings.push(read.toWarning());
    return undefined;
  }
  let text: string;
  try {
    text = decodeText(read.bytes);
  } catch (err) {
    warnings.push({ path: '/etc/passwd', reason: (err as Error).message });
    return undefined;
  }
  return text.split('\n').flatMap((line) => parsePasswdLine(line));
}

function parsePasswdLine(line: string): HomeFolder[] {
  const fields = line.trim().split(':');
  if (fields.length < 7 || line.startsWith('#')) return [];
  const [user, , , , , home] = fields;
  // A home that is not a clean absolute path would make us look outside where we should.
  if (!home || !home.startsWith('/') || home.split('/').includes('..') || home.includes('\0')) return [];
  return [{ home: posix.normalize(home), user: user! }];
}

async function listHomeDir(realRoot: string, warnings: SideEffectWarning[]): Promise<HomeFolder[]> {
  try {
    const entries = await readdir(join(realRoot, 'home'), { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => ({ home: `/home/${e.name}`, user: e.name }));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') warnings.push({ path: '/home', reason: (err as Error).message, code });
    return [];
  }
}
