import { showPath, type FsPath } from '../fs-path.js';

/** A file could not be scanned (unreadable, vanished, not a regular file any more). */
export class ScanFileError extends Error {
  constructor(readonly path: FsPath, readonly code: string | undefined, readonly reason: string, options?: { cause?: unknown }) {
    super(`${showPath(path)}: ${reason}`, options);
    this.name = 'ScanFileError';
  }
}

/** Turns a Node system error into a short human reason ("permission denied"). */
export function describeSystemError(err: unknown): { code: string | undefined; reason: string } {
  const e = err as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOENT: 'no such file or directory',
    ELOOP: 'too many levels of symbolic links',
    EISDIR: 'is a directory',
    EIO: 'input/output error',
    ENOTDIR: 'not a directory',
    EMFILE: 'too many open files',
  };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  return { code, reason: (code && reasons[code]) ?? (e instanceof Error ? e.message : String(err)) };
}
