/**
 * Errors of the definitions store, and the one-line reason the agent reports for them and for
 * refused packages (events, `last-check.json`, command output).
 */
import { DefinitionsPackageError } from '../../definitions/errors.js';

/** The store folder or one of its files can't be used (not a refusal of a package). */
export class DefinitionsStoreError extends Error {
  constructor(readonly path: string, readonly reason: string, options?: { cause?: unknown }) {
    super(`${path}: ${reason}`, options);
    this.name = 'DefinitionsStoreError';
  }
}

/** The reason of a refusal or store error (plus its cause's message when that adds something); any error's message otherwise. */
export function describeError(err: unknown): string {
  if (err instanceof DefinitionsPackageError || err instanceof DefinitionsStoreError) {
    const cause = err.cause instanceof Error && !err.reason.includes(err.cause.message) ? `: ${err.cause.message}` : '';
    return `${err.reason}${cause}`;
  }
  return err instanceof Error ? err.message : String(err);
}
