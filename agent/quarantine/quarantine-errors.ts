import type { ItemError } from './quarantine-item.js';

/**
 * A quarantine operation failed. `word` is the guide's sample-error word (or ours for local
 * conditions: `occupied`, `changed`); `path` and `id` name what it was about.
 */
export class QuarantineError extends Error {
  constructor(
    readonly word: ItemError['word'],
    message: string,
    readonly context: { readonly id?: string; readonly path?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'QuarantineError';
  }
}
