/**
 * Typed errors of the definitions module. Each names the file it is about, so that a refused
 * update or build can be reported to the user without extra context.
 */

/** A definitions package (or a public key used to check it) was refused. */
export class DefinitionsPackageError extends Error {
  /** The package (or key) file the refusal is about. */
  readonly path: string;
  /** What is wrong, without the path, e.g. `signed by an untrusted key 0123abcd…`. */
  readonly reason: string;

  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super(`${path}: ${reason}`, options);
    this.name = 'DefinitionsPackageError';
    this.path = path;
    this.reason = reason;
  }
}

/** A folder of definitions sources (epq build folder or ClamAV database) can't be used. */
export class DefinitionsSourceError extends Error {
  /** The folder or file the problem is in. */
  readonly path: string;
  readonly reason: string;

  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super(`${path}: ${reason}`, options);
    this.name = 'DefinitionsSourceError';
    this.path = path;
    this.reason = reason;
  }
}

/** A signing or public key file is missing, unreadable, or not an Ed25519 key. */
export class DefinitionsKeyError extends Error {
  readonly path: string;
  readonly reason: string;

  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super(`${path}: ${reason}`, options);
    this.name = 'DefinitionsKeyError';
    this.path = path;
    this.reason = reason;
  }
}

/** `epq-meta.json` does not have the expected shape; `key` is the JSON path of the bad value. */
export class EpqMetaError extends Error {
  readonly file: string;
  readonly key: string;
  readonly reason: string;

  constructor(file: string, key: string, reason: string, options?: { cause?: unknown }) {
    super(`${file}: ${key ? `${key}: ` : ''}${reason}`, options);
    this.name = 'EpqMetaError';
    this.file = file;
    this.key = key;
    this.reason = reason;
  }
}

/** A set's signatures load, but scanning the test-load's stress corpus with them costs too much. */
export class ScanCostError extends Error {
  constructor(readonly reason: string) {
    super(`scan cost test failed: ${reason}`);
    this.name = 'ScanCostError';
  }
}
