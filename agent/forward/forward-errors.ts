/**
 * Forwarding can't start: the Central Quarantine URL or the CA file is unusable. Names the URL
 * (and the file) so the config can be fixed.
 */
export class ForwardConfigError extends Error {
  constructor(readonly url: string, reason: string, options?: { cause?: unknown }) {
    super(`Central Quarantine ${url}: ${reason}`, options);
    this.name = 'ForwardConfigError';
  }
}
