/** Why a path was refused: a link an untrusted user could have planted, a way out, or no folder. */
export type UnsafePathReason = 'symlink' | 'escape' | 'not-folder';

/**
 * A path epq refuses to act on as root: it would go through a symlink in a folder that someone
 * other than root can write, out of its boundary, or through something that is not a folder.
 * `at` names the entry that was refused (the link itself, for `symlink`).
 */
export class UnsafePathError extends Error {
  override readonly name = 'UnsafePathError';
  constructor(readonly reason: UnsafePathReason, readonly at: string, message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
