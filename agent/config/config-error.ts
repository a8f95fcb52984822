/** A config file or an override that can't be used; names the file and the key when known. */
export class ConfigError extends Error {
  override name = 'ConfigError';

  constructor(
    message: string,
    /** The config file (absolute), or null for command-line overrides and defaults. */
    readonly file: string | null,
    /** The dotted key at fault, or null when the whole file is (missing, not JSON). */
    readonly key: string | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
