import { SIGNATURE_FILE_EXTENSIONS, type SignatureFile } from '../scanner/signature-database.js';
import { EPQ_META_FILE_NAME, type EpqMeta } from './epq-meta.js';

/** One file of a definitions set, by bare name (no folders). */
export interface DefinitionsFile {
  readonly name: string;
  readonly data: Uint8Array;
}

/**
 * A definitions set in memory: what a package holds once verified, what a build writes, and
 * what the built-in set is. `files` includes `epq-meta.json` when the set has one; `meta` is its
 * parsed form (empty when absent).
 */
export interface DefinitionsSet {
  /** Strictly increasing between sets; 0 is reserved for the built-in set. */
  readonly sequence: number;
  /** ISO 8601 creation time. */
  readonly created: string;
  readonly certified: boolean;
  /** Id of the key that signed the package (absent for the built-in set). */
  readonly keyId?: string;
  readonly files: readonly DefinitionsFile[];
  readonly meta: EpqMeta;
  readonly signatureCount: number;
}

/** The signature file extensions a set may hold, lower case with the dot. */
export const DEFINITIONS_SIGNATURE_EXTENSIONS: readonly string[] = SIGNATURE_FILE_EXTENSIONS;

/** Longest file name accepted inside a set; a generous bound that keeps manifests small. */
const MAX_FILE_NAME_LENGTH = 128;

/**
 * Says why a file name may not be part of a definitions set, or returns null when it may.
 * Names are bare (no folders) so that nothing derived from a package can point elsewhere on disk.
 */
export function describeUnsafeFileName(name: string): string | null {
  if (name === '' || name.length > MAX_FILE_NAME_LENGTH) return `file name must be 1 to ${MAX_FILE_NAME_LENGTH} characters`;
  if (name.includes('/') || name.includes('\\')) return `file name ${JSON.stringify(name)} must not contain a path separator`;
  if (name.includes('..')) return `file name ${JSON.stringify(name)} must not contain ".."`;
  if (name.startsWith('.')) return `file name ${JSON.stringify(name)} must not start with "."`;
  // Control characters would garble messages and terminals that print the manifest.
  if (/[\x00-\x1f\x7f]/.test(name)) return `file name ${JSON.stringify(name)} contains a control character`;
  if (name === EPQ_META_FILE_NAME) return null;
  if (!DEFINITIONS_SIGNATURE_EXTENSIONS.includes(extensionOf(name))) {
    return `file ${JSON.stringify(name)} has an unsupported type (allowed: ${describeAllowedFiles()})`;
  }
  return null;
}

/** Human-readable list of what a set may contain, for error messages. */
export function describeAllowedFiles(): string {
  return `${DEFINITIONS_SIGNATURE_EXTENSIONS.map((e) => `*${e}`).join(' ')} and ${EPQ_META_FILE_NAME}`;
}

/**
 * Extension with the dot (`.ndb`), or '' when the name has none. Case is kept: the ClamAV tools
 * only know lower-case extensions, so `X.NDB` is refused rather than guessed at.
 */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot);
}

/** True for the files the scanner parses (everything but the epq metadata). */
export function isSignatureFileName(name: string): boolean {
  return name !== EPQ_META_FILE_NAME && DEFINITIONS_SIGNATURE_EXTENSIONS.includes(extensionOf(name));
}

/** The files of a set that the scanner reads, in set order. */
export function selectSignatureFiles(files: readonly DefinitionsFile[]): SignatureFile[] {
  return files.filter((f) => isSignatureFileName(f.name)).map((f) => ({ name: f.name, data: f.data }));
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/**
 * Reads an ISO 8601 date (`2025-03-01`) or date-time with a zone (`2025-03-01T10:00:00Z`,
 * `...+02:00`) and returns it normalized to UTC (`toISOString()`), or null when it is not one.
 * A time without a zone is refused: the same text would mean different instants on different
 * machines.
 */
export function normalizeCreatedDate(text: string): string | null {
  const m = ISO_DATE.exec(text);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 2025-02-30 over to March; a real date survives the round trip.
  if (calendar.getUTCFullYear() !== year || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return null;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)) return null;
  const when = new Date(m[4] === undefined ? `${m[1]}-${m[2]}-${m[3]}T00:00:00Z` : text);
  return Number.isNaN(when.getTime()) ? null : when.toISOString();
}
