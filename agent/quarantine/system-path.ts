import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { fsPathBytes, fsPathOf, showPath, type FsPath } from '../fs-path.js';
import { QuarantineError } from './quarantine-errors.js';

/**
 * Maps a system path (`/etc/crontab`) to where it really is under the configured root prefix,
 * refusing anything that would land outside the root. A path in bytes (not valid UTF-8) stays
 * in bytes.
 * @throws QuarantineError `malformed` for a relative path or one that escapes the root.
 */
export function resolveUnderRoot(root: string, systemPath: FsPath): FsPath {
  if (typeof systemPath !== 'string') return resolveBytesUnderRoot(root, systemPath);
  if (!isAbsolute(systemPath)) throw new QuarantineError('malformed', `path ${systemPath} is not absolute`, { path: systemPath });
  if (systemPath.split('/').includes('..')) throw new QuarantineError('malformed', `path ${systemPath} contains ".."; refused`, { path: systemPath });
  const real = join(root, normalize(systemPath));
  if (!isInside(root, real)) throw new QuarantineError('malformed', `path ${systemPath} escapes the root ${root}`, { path: systemPath });
  return real;
}

/** The same checks on bytes: absolute, no `..` component; `.` and empty components dropped. */
function resolveBytesUnderRoot(root: string, systemPath: Buffer): FsPath {
  const shown = showPath(systemPath);
  if (systemPath[0] !== 0x2f) throw new QuarantineError('malformed', `path ${shown} is not absolute`, { path: shown });
  const parts: Buffer[] = [];
  for (let at = 1; at <= systemPath.length; ) {
    let end = systemPath.indexOf(0x2f, at);
    if (end < 0) end = systemPath.length;
    const part = systemPath.subarray(at, end);
    if (part.length === 2 && part[0] === 0x2e && part[1] === 0x2e) throw new QuarantineError('malformed', `path ${shown} contains ".."; refused`, { path: shown });
    if (part.length > 0 && !(part.length === 1 && part[0] === 0x2e)) parts.push(part);
    at = end + 1;
  }
  const base = fsPathBytes(normalize(root).replace(/\/+$/, ''));
  const slash = Buffer.from('/');
  return fsPathOf(Buffer.concat([base, ...parts.flatMap((p) => [slash, p])]));
}

/** The system path of a real path under the root (the inverse of `resolveUnderRoot`). */
export function toSystemPath(root: string, realPath: FsPath): FsPath {
  if (typeof realPath !== 'string') {
    const base = fsPathBytes(normalize(root).replace(/\/+$/, ''));
    if (realPath.length > base.length && realPath.subarray(0, base.length).equals(base) && realPath[base.length] === 0x2f) {
      return fsPathOf(realPath.subarray(base.length));
    }
    const shown = showPath(realPath);
    throw new QuarantineError('malformed', `path ${shown} is outside the root ${root}`, { path: shown });
  }
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
