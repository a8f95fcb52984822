import type { SampleErrorWord } from './wire-format.js';

/**
 * The server refuses (or can't take now) one request: the guide's error word, the HTTP status it
 * travels with, and the sample id when known. `retryAfterSec` becomes a `Retry-After` header;
 * `closeConnection` ends the connection after the answer, so the rest of a body the server will
 * not read (an endless one) is not read either.
 */
export class SampleRefusal extends Error {
  constructor(
    readonly word: SampleErrorWord,
    readonly httpStatus: number,
    message: string,
    readonly context: { readonly id?: string; readonly retryAfterSec?: number; readonly closeConnection?: boolean } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SampleRefusal';
  }
}

/** The server's data folder or database is unusable; names the path. */
export class CentralStoreError extends Error {
  constructor(readonly path: string, reason: string, options?: { cause?: unknown }) {
    super(`${path}: ${reason}`, options);
    this.name = 'CentralStoreError';
  }
}

/** `epq central list` could not get the sample list; names the URL. */
export class CentralClientError extends Error {
  constructor(readonly url: string, reason: string, options?: { cause?: unknown }) {
    super(`${url}: ${reason}`, options);
    this.name = 'CentralClientError';
  }
}

/** The server can't listen where it was told (address in use, no permission); names the address. */
export class CentralListenError extends Error {
  constructor(readonly address: string, options?: { cause?: unknown }) {
    super(`can't listen on ${address}: ${(options?.cause as Error | undefined)?.message ?? 'unknown error'}`, options);
    this.name = 'CentralListenError';
  }
}
