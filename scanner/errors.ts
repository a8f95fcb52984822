/**
 * A signature file could not be loaded. Always names the file and the line (and the column when
 * one part of the line is at fault), so a user who brings their own signatures can fix them;
 * unsupported syntax is never skipped silently.
 */
export class SignatureSyntaxError extends Error {
  readonly column: number | undefined;

  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
    options?: { cause?: unknown; column?: number },
  ) {
    super(`${file}:${line}:${options?.column !== undefined ? `${options.column}:` : ''} ${reason}`, options);
    this.name = 'SignatureSyntaxError';
    this.column = options?.column;
  }
}

/** A syntax problem inside one field; the loader adds file and line (and the column, when given). */
export class FieldSyntaxError extends Error {
  constructor(readonly reason: string, readonly column?: number) {
    super(reason);
    this.name = 'FieldSyntaxError';
  }
}
