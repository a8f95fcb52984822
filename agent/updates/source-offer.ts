/**
 * What a definitions source offers (see update-source.ts), whichever kind of source it is, and
 * the two ways reading it fails: the source can't be reached, or what it offers can't be used.
 */
import type { PackageKind } from '../../definitions/package-manifest.js';

/** One package a source offers, as its header (folder) or index entry (URL) describes it. */
export interface SourceCandidate {
  /** File name in the folder, or path relative to the URL. */
  readonly file: string;
  readonly sequence: number;
  readonly kind: PackageKind;
  /** Incremental packages only. */
  readonly baseSequence?: number;
}

/** Everything a source offers in one check. */
export interface SourceOffer {
  readonly candidates: SourceCandidate[];
  /** Folder sources: files that were not considered, with why (unreadable header...). */
  readonly skipped: string[];
}

/** The source can't be reached (folder missing, connection refused, timeout, HTTP error). */
export class SourceUnreachable extends Error {
  constructor(readonly where: string, readonly reason: string, readonly isUrl: boolean) {
    super(`${where}: ${reason}`);
  }
}

/** What the source offers can't be used (invalid index, package not what the index said). */
export class SourceRefused extends Error {
  constructor(readonly where: string, readonly reason: string, readonly sequence?: number) {
    super(`${where}: ${reason}`);
  }
}

export function describeCandidate(c: SourceCandidate): string {
  return c.kind === 'full' ? `full sequence ${c.sequence}` : `incremental ${c.baseSequence}->${c.sequence}`;
}
