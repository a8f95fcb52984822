import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { QuarantineError } from './quarantine-errors.js';

/**
 * Maps a system path (`/etc/crontab`) to where it really is under the configured root prefix,
 * refusing anything that would land outside the root.
 * @throws QuarantineError `malformed` for a relative path or one that escapes the root.
 */
export function resolveUnderRoot(root: string, systemPath: string): string {
  if (!isAbsolute(systemPath)) throw new QuarantineError('malformed', `path ${systemPath} is not absolute`, { path: systemPath });
  if (systemPath.split('/').includes('..')) throw new QuarantineError('malformed', `path ${systemPath} contains ".."; refused`, { path: systemPath });
  const real = join(root, normalize(systemPath));
  if (!isInside(root, real)) throw new QuarantineError('malformed', `path ${systemPath} escapes the root ${root}`, { path: systemPath });
  return real;
}

/** The system path of a real path under the root (the inverse of `resolveUnderRoot`). */
export function toSystemPath(root: string, realPath: string): string {
  const rel = relative(root, realPath);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new QuarantineError('malformed', `path ${realPath} is outside the root ${root}`, { path: realPath });
  }
  return `/${rel.split(sep).join('/')}`;
}

export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
