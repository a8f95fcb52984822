/**
 * A failed system call from the native addon, shaped like Node's ErrnoException so that callers
 * branch on `.code` ('ENOENT', 'ELOOP', 'EXDEV', ...) the same way for both.
 */
export class SystemCallError extends Error implements NodeJS.ErrnoException {
  override readonly name = 'SystemCallError';
  /** errno's name, e.g. 'ELOOP'. */
  readonly code: string;
  /** Negative, as Node reports it. */
  readonly errno: number;
  readonly syscall: string;
  readonly path?: string;
  readonly dest?: string;

  constructor(fields: { code: string; errno: number; syscall: string; message: string; path?: string; dest?: string }, options?: ErrorOptions) {
    super(fields.message, options);
    this.code = fields.code;
    this.errno = -Math.abs(fields.errno);
    this.syscall = fields.syscall;
    if (fields.path !== undefined) this.path = fields.path;
    if (fields.dest !== undefined) this.dest = fields.dest;
  }
}

/** The native addon is not built or does not load: epq can't touch files safely as root without it. */
export class NativeAddonMissingError extends Error {
  override readonly name = 'NativeAddonMissingError';
  constructor(readonly looked: readonly string[], options?: ErrorOptions) {
    super(`epq's native addon (epq_native.node) is missing or does not load; looked in ${looked.join(', ')}. Build it with \`npm ci\` (or \`npm rebuild\`) in the checkout; it needs python3, make and a C compiler`, options);
  }
}

/** `err` as a SystemCallError when it came from the addon (it carries errno and syscall); else unchanged. */
export function asSystemCallError(err: unknown): unknown {
  // Not `instanceof Error`: the addon's errors come from the main realm, and code run in a vm
  // context (the test runner) has another Error.
  if (typeof err !== 'object' || err === null || err instanceof SystemCallError) return err;
  const e = err as { message?: unknown; code?: unknown; errno?: unknown; syscall?: unknown; path?: unknown; dest?: unknown };
  if (typeof e.code !== 'string' || typeof e.errno !== 'number' || typeof e.syscall !== 'string' || typeof e.message !== 'string') return err;
  return new SystemCallError({
    code: e.code, errno: e.errno, syscall: e.syscall, message: e.message,
    ...(typeof e.path === 'string' && { path: e.path }),
    ...(typeof e.dest === 'string' && { dest: e.dest }),
  });
}
