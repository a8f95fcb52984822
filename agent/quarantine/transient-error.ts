/**
 * Errors that say "not now" rather than "no": out of file descriptors (the process's or the
 * system's), a resource busy for a moment, an interrupted call, SQLite busy. A detection that
 * failed with one is worth trying again; any other failure is final.
 */
const TRANSIENT_CODES = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EWOULDBLOCK', 'EBUSY', 'EINTR', 'ENOMEM', 'ENOBUFS', 'SQLITE_BUSY', 'SQLITE_LOCKED']);

/** The transient error code found in `err` or its chain of causes, or null. */
export function transientCode(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return code;
    const named = /\b(EMFILE|ENFILE|EAGAIN|EBUSY|EINTR|ENOMEM|ENOBUFS)\b/.exec(e.message);
    if (named) return named[1]!;
  }
  return null;
}
