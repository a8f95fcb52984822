/**
 * A signature file could not be loaded. Always names the file and the line, so a user who
 * brings their own signatures can fix them; unsupported syntax is never skipped silently.
 */
export class SignatureSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}:${line}: ${reason}`, options);
    this.name = 'SignatureSyntaxError';
  }
}

/** A syntax problem inside one field; the loader adds file and line. */
export class FieldSyntaxError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'FieldSyntaxError';
  }
}
