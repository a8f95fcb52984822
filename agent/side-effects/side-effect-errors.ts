/**
 * Typed errors of the side-effects module. Each names the system-namespace path it is about so
 * that the quarantine can report a refusal to the user without extra context.
 */

/** A path is unusable: not absolute, contains `..`, or resolves outside the filesystem root. */
export class SideEffectPathError extends Error {
  /** The path as given (system namespace, or the root folder itself). */
  readonly path: string;
  /** What is wrong, without the path. */
  readonly reason: string;

  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super(`${path}: ${reason}`, options);
    this.name = 'SideEffectPathError';
    this.path = path;
    this.reason = reason;
  }
}

/**
 * A file a side effect lives in cannot be edited or checked: not a regular file, too large, not
 * UTF-8 text, or changed by someone else while we were editing it.
 */
export class SideEffectFileError extends Error {
  readonly path: string;
  readonly reason: string;

  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super(`${path}: ${reason}`, options);
    this.name = 'SideEffectFileError';
    this.path = path;
    this.reason = reason;
  }
}

/** An undo step failed while rolling back a partial restore; the file may need a look by hand. */
export interface RollbackFailure {
  readonly path: string;
  readonly error: unknown;
}

/**
 * Restoring a list of side effects failed. Everything the attempt had already restored was
 * undone, except what `rollbackFailures` lists.
 */
export class SideEffectRestoreError extends Error {
  /** System-namespace path of the side effect that could not be restored. */
  readonly path: string;
  readonly reason: string;
  readonly rollbackFailures: readonly RollbackFailure[];

  constructor(path: string, reason: string, options?: { cause?: unknown; rollbackFailures?: readonly RollbackFailure[] }) {
    const failures = options?.rollbackFailures ?? [];
    const suffix = failures.length === 0 ? '' : ` (and undoing the partial restore failed for ${failures.map((f) => f.path).join(', ')})`;
    super(`cannot restore ${path}: ${reason}${suffix}`, options);
    this.name = 'SideEffectRestoreError';
    this.path = path;
    this.reason = reason;
    this.rollbackFailures = failures;
  }
}
