/**
 * The manifest of a definitions package (see package-format.ts): its fields, and the rules a
 * reader checks before trusting anything else in the file. Writers run the same rules, so a
 * package epq writes is never one an agent refuses for its shape.
 */
import { describeUnsafeFileName, isSignatureFileName, normalizeCreatedDate } from './definitions-set.js';
import { DefinitionsPackageError } from './errors.js';

export const PACKAGE_FORMAT_VERSION = 1;
export type PackageKind = 'full' | 'incremental';
/** Package kinds this version reads. */
export const SUPPORTED_PACKAGE_KINDS: readonly PackageKind[] = ['full', 'incremental'];

export interface ManifestFileEntry {
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

export interface PackageManifest {
  readonly format: number;
  readonly sequence: number;
  readonly created: string;
  readonly certified: boolean;
  readonly kind: PackageKind;
  readonly keyId: string;
  readonly signatureCount: number;
  /** Every file of the set the package results in (for an incremental one too). */
  readonly files: readonly ManifestFileEntry[];
  /** Incremental only: the sequence of the set the changes apply to. */
  readonly baseSequence?: number;
  /** Incremental only: files added or replaced; their bodies follow, in this order. */
  readonly added?: readonly string[];
  /** Incremental only: files of the base set that the result no longer has. */
  readonly removed?: readonly string[];
}

const MANIFEST_KEYS = ['format', 'sequence', 'created', 'certified', 'kind', 'keyId', 'signatureCount', 'files'];
const INCREMENTAL_KEYS = ['baseSequence', 'added', 'removed'];
const FILE_ENTRY_KEYS = ['name', 'size', 'sha256'];

/**
 * Checks every manifest field; unknown keys are refused so that nothing unsigned-for is ignored.
 * @throws DefinitionsPackageError (with `path`) naming the first field that is wrong.
 */
export function validateManifest(raw: unknown, path: string): PackageManifest {
  const fail = (reason: string): never => {
    throw new DefinitionsPackageError(path, `manifest: ${reason}`);
  };
  if (!isRecord(raw)) return fail('expected a JSON object');
  // Format and kind first: a newer package should say "unsupported", not "unknown key".
  if (raw.format !== PACKAGE_FORMAT_VERSION) fail(`unsupported format ${JSON.stringify(raw.format)} (this version reads format ${PACKAGE_FORMAT_VERSION})`);
  if (typeof raw.kind !== 'string' || !(SUPPORTED_PACKAGE_KINDS as readonly string[]).includes(raw.kind)) {
    fail(`unsupported package kind ${JSON.stringify(raw.kind)} (this version reads: ${SUPPORTED_PACKAGE_KINDS.join(', ')})`);
  }
  const incremental = raw.kind === 'incremental';
  for (const k of Object.keys(raw)) {
    if (MANIFEST_KEYS.includes(k)) continue;
    if (INCREMENTAL_KEYS.includes(k)) {
      if (!incremental) fail(`"${k}" is only allowed in an incremental package`);
      continue;
    }
    fail(`unknown key "${k}"`);
  }
  if (!isCount(raw.sequence) || raw.sequence < 1) fail('"sequence" must be a positive integer');
  if (typeof raw.created !== 'string' || normalizeCreatedDate(raw.created) === null) fail('"created" must be an ISO 8601 date');
  if (typeof raw.certified !== 'boolean') fail('"certified" must be true or false');
  if (typeof raw.keyId !== 'string' || !/^[0-9a-f]{16}$/.test(raw.keyId)) fail('"keyId" must be 16 lower-case hex digits');
  if (!isCount(raw.signatureCount)) fail('"signatureCount" must be a non-negative integer');
  if (!Array.isArray(raw.files)) return fail('"files" must be a list');
  const seen = new Set<string>();
  const files = raw.files.map((entry: unknown, i: number) => {
    const at = `files[${i}]`;
    if (!isRecord(entry)) return fail(`${at} must be an object`);
    for (const k of Object.keys(entry)) if (!FILE_ENTRY_KEYS.includes(k)) fail(`${at}: unknown key "${k}"`);
    if (typeof entry.name !== 'string') return fail(`${at}.name must be a string`);
    const unsafe = describeUnsafeFileName(entry.name);
    if (unsafe) fail(`${at}: unsafe or unsupported file name: ${unsafe}`);
    if (seen.has(entry.name)) fail(`${at}: file ${entry.name} is listed twice`);
    seen.add(entry.name);
    if (!isCount(entry.size)) fail(`${at}.size must be a non-negative integer`);
    if (typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256)) fail(`${at}.sha256 must be 64 lower-case hex digits`);
    return { name: entry.name as string, size: entry.size as number, sha256: entry.sha256 as string };
  });
  if (!files.some((f) => isSignatureFileName(f.name))) fail('the package holds no signature files');
  const manifest: PackageManifest = {
    format: PACKAGE_FORMAT_VERSION,
    sequence: raw.sequence as number,
    created: raw.created as string,
    certified: raw.certified as boolean,
    kind: raw.kind as PackageKind,
    keyId: raw.keyId as string,
    signatureCount: raw.signatureCount as number,
    files,
  };
  return incremental ? { ...manifest, ...validateChanges(raw, seen, fail) } : manifest;
}

/** The incremental part of a manifest: base sequence below `sequence`, and consistent name lists. */
function validateChanges(raw: Record<string, unknown>, resultNames: ReadonlySet<string>, fail: (reason: string) => never):
  { baseSequence: number; added: string[]; removed: string[] } {
  const sequence = raw.sequence as number;
  if (!isCount(raw.baseSequence)) fail('an incremental package needs "baseSequence", a non-negative integer');
  const baseSequence = raw.baseSequence as number;
  if (baseSequence >= sequence) fail(`"baseSequence" ${baseSequence} must be below "sequence" ${sequence}`);
  const names = (key: 'added' | 'removed'): string[] => {
    const list = raw[key];
    if (!Array.isArray(list) || !list.every((n) => typeof n === 'string')) return fail(`an incremental package needs "${key}", a list of file names`);
    const seen = new Set<string>();
    for (const name of list as string[]) {
      if (seen.has(name)) fail(`${key}: file ${name} is listed twice`);
      seen.add(name);
    }
    return list as string[];
  };
  const added = names('added');
  const removed = names('removed');
  for (const name of added) if (!resultNames.has(name)) fail(`added: file ${name} is not in "files"`);
  for (const name of removed) {
    if (resultNames.has(name)) fail(`removed: file ${name} is also in "files"`);
    const unsafe = describeUnsafeFileName(name);
    if (unsafe) fail(`removed: unsafe or unsupported file name: ${unsafe}`);
  }
  return { baseSequence, added, removed };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
