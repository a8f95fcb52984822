import { lstat } from 'node:fs/promises';
import { checkCompanionPattern, MAX_COMPANION_FILES } from '../../definitions/companion-limits.js';
import { join, posix } from 'node:path';
import { recordFileEffect } from './file-record.js';
import { listFolder, type FolderEntry } from './list-folder.js';
import { readLimitedFile, ReadSkip } from './read-limited.js';
import { checkSystemPath, resolveInRoot } from './rooted-path.js';
import { SideEffectPathError } from './side-effect-errors.js';
import type { FoundFileSideEffect, SideEffectWarning } from './side-effect.js';

/** Where the detected file really is, so a companion glob that matches it can leave it out. */
export interface DetectedIdentity {
  readonly realPath: string;
  readonly dev?: number;
  readonly ino?: number;
}

export interface CompanionContext {
  readonly realRoot: string;
  readonly maxBytes: number;
  readonly realPaths: Set<string>;
  readonly warnings: SideEffectWarning[];
}

const GLOB_CHARS = /[*?]/;

/**
 * The existing regular files that the signature's companion patterns name: absolute system
 * paths whose last component may hold `*` and `?` (which, as in the shell, do not match a
 * leading dot). The detected file itself and symlinks are never taken. A pattern over the
 * limits (see definitions/companion-limits.ts) is refused, and at most `MAX_COMPANION_FILES`
 * files are taken. Never throws for a file or pattern problem: it adds a warning instead.
 */
export async function findCompanions(ctx: CompanionContext, patterns: readonly string[], detected: DetectedIdentity): Promise<FoundFileSideEffect[]> {
  const found: FoundFileSideEffect[] = [];
  let skipped = 0;
  for (const pattern of patterns) {
    for (const entry of await expandPattern(ctx, pattern)) {
      if (found.length >= MAX_COMPANION_FILES) {
        skipped++;
        continue;
      }
      const effect = await readCompanion(ctx, entry, detected);
      if (effect !== undefined) found.push(effect);
    }
  }
  if (skipped > 0) {
    ctx.warnings.push({ path: patterns.join(' '), reason: `companion limit reached: ${MAX_COMPANION_FILES} taken, ${skipped} more matches left in place` });
  }
  return found;
}

async function expandPattern(ctx: CompanionContext, pattern: string): Promise<FolderEntry[]> {
  // Checked at build and install too; a set installed before the limits existed meets them here.
  const refusal = checkCompanionPattern(pattern);
  if (refusal !== undefined) {
    ctx.warnings.push({ path: pattern, reason: `companion pattern refused: ${refusal}` });
    return [];
  }
  let normal: string;
  try {
    normal = checkSystemPath(pattern);
  } catch (err) {
    if (!(err instanceof SideEffectPathError)) throw err;
    ctx.warnings.push({ path: pattern, reason: `companion pattern refused: ${err.reason}` });
    return [];
  }
  const dir = posix.dirname(normal);
  const name = posix.basename(normal);
  if (GLOB_CHARS.test(name)) {
    const re = globToRegExp(name);
    return listFolder(ctx.realRoot, dir, (n) => re.test(n), ctx.warnings);
  }
  try {
    const rooted = await resolveInRoot(ctx.realRoot, dir);
    return rooted.exists ? [{ name, systemPath: normal, hostPath: join(rooted.realPath, name) }] : [];
  } catch (err) {
    if (!(err instanceof SideEffectPathError)) throw err;
    if (!err.reason.includes('not a folder')) ctx.warnings.push({ path: normal, reason: err.reason });
    return [];
  }
}

async function readCompanion(ctx: CompanionContext, entry: FolderEntry, detected: DetectedIdentity): Promise<FoundFileSideEffect | undefined> {
  const kind = await lstat(entry.hostPath).catch(() => undefined);
  if (kind === undefined) return undefined;
  if (kind.isSymbolicLink()) {
    ctx.warnings.push({ path: entry.systemPath, reason: 'companion is a symbolic link; only regular files are taken' });
    return undefined;
  }
  if (!kind.isFile()) {
    ctx.warnings.push({ path: entry.systemPath, reason: 'companion is not a regular file' });
    return undefined;
  }
  if (kind.dev === detected.dev && kind.ino === detected.ino) return undefined;
  const read = await readLimitedFile(ctx.realRoot, entry.systemPath, ctx.maxBytes);
  if (read instanceof ReadSkip) {
    if (read.code !== 'ENOENT') ctx.warnings.push(read.toWarning());
    return undefined;
  }
  const real = read.rooted.realPath;
  if (real === detected.realPath || ctx.realPaths.has(real)) return undefined;
  ctx.realPaths.add(real);
  return recordFileEffect('companion', entry.systemPath, read);
}

function globToRegExp(glob: string): RegExp {
  const body = [...glob].map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  const hiddenGuard = glob.startsWith('.') ? '' : '(?!\\.)';
  return new RegExp(`^${hiddenGuard}${body}$`, 's');
}
