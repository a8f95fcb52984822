import { readFile } from 'node:fs/promises';
import { normalizeCreatedDate, type DefinitionsFile, type DefinitionsSet } from './definitions-set.js';
import { writeFileAtomic } from './atomic-write.js';
import { DefinitionsPackageError, DefinitionsSourceError } from './errors.js';
import { applyIncrementalPackage, diffSets, encodeIncrementalPackage } from './incremental.js';
import { loadSigningKey, toTrustedKey } from './keys.js';
import { decodeDefinitionsPackage, encodeDefinitionsPackage, readPackageHeader, sliceBodies, verifyDefinitionsPackage } from './package-format.js';
import type { PackageKind } from './package-manifest.js';
import { selfTestFailure } from './self-test.js';
import { readDefinitionsSource } from './source-folder.js';
import { testLoadEngine } from './test-load.js';

/** The older set an incremental package is built against: a full package, or a source folder and its sequence. */
export type BuildBase =
  | { readonly packageFile: string }
  | { readonly sourceDir: string; readonly sequence: number };

export interface BuildPackageOptions {
  /** Flat folder of signature files and an optional epq-meta.json (see readDefinitionsSource). */
  readonly sourceDir: string;
  /** Positive integer; must be higher than the sequence of any set already published. */
  readonly sequence: number;
  /** PEM Ed25519 private key (mode 0600). */
  readonly signingKeyFile: string;
  readonly outFile: string;
  readonly certified?: boolean;
  /** ISO 8601 date or date-time with zone; defaults to now. Stored normalized to UTC. */
  readonly created?: string;
  /** When given, an incremental package from this base is built instead of a full one. */
  readonly base?: BuildBase;
}

export interface BuildPackageResult {
  readonly outFile: string;
  readonly kind: PackageKind;
  readonly sequence: number;
  /** Incremental packages only. */
  readonly baseSequence?: number;
  readonly created: string;
  readonly certified: boolean;
  readonly keyId: string;
  readonly signatureCount: number;
  /** Every file of the resulting set. */
  readonly files: readonly { readonly name: string; readonly size: number }[];
  /** Incremental packages only: files the package carries (added or replaced) and drops. */
  readonly added?: readonly string[];
  readonly removed?: readonly string[];
  /** False when the set does not detect the EICAR test file: agents will refuse to install it. */
  readonly selfTestPassed: boolean;
}

/**
 * Builds a signed definitions package from a source folder: a full one, or with `base` an
 * incremental one holding only the changes from that older set. The signatures are test-loaded
 * with the scanner first (a set that would fail on endpoints is never signed), and the written
 * bytes are verified with the key's public half (an incremental one by applying it to the base
 * and comparing) before they replace `outFile`.
 * @throws RangeError for a bad sequence or creation date, or a sequence not above the base's;
 *   DefinitionsSourceError for a bad source or base folder or a signature that fails the test load
 *   (message names the folder, then `file:line`); DefinitionsKeyError for an unusable key;
 *   DefinitionsPackageError for an unusable base package or if the output can't be written.
 */
export async function buildDefinitionsPackage(opts: BuildPackageOptions): Promise<BuildPackageResult> {
  if (!Number.isSafeInteger(opts.sequence) || opts.sequence < 1) {
    throw new RangeError(`sequence must be a positive integer (got ${String(opts.sequence)})`);
  }
  const created = opts.created === undefined ? new Date().toISOString() : normalizeCreatedDate(opts.created);
  if (created === null) {
    throw new RangeError(`creation date must be ISO 8601, e.g. 2025-03-01 or 2025-03-01T10:00:00Z (got ${JSON.stringify(opts.created)})`);
  }
  const base = opts.base === undefined ? undefined : await readBase(opts.base);
  if (base && opts.sequence <= base.sequence) {
    throw new RangeError(`sequence ${opts.sequence} must be above the base sequence ${base.sequence}`);
  }
  const source = await readDefinitionsSource(opts.sourceDir);
  const tested = testLoadSource(opts.sourceDir, source.files);
  // Load the key after the sources: a syntax error is the likelier mistake and needs no key.
  const signingKey = await loadSigningKey(opts.signingKeyFile);
  const set: DefinitionsSet = {
    sequence: opts.sequence,
    created,
    certified: opts.certified ?? false,
    keyId: signingKey.keyId,
    files: source.files,
    meta: source.meta,
    signatureCount: tested.database.signatureCount,
  };
  const trusted = [toTrustedKey(signingKey)];
  let bytes: Uint8Array;
  if (base) {
    bytes = encodeIncrementalPackage(base, set, signingKey, opts.outFile);
    // Read back what we are about to publish, and apply it the way an agent will.
    const pkg = verifyDefinitionsPackage(bytes, opts.outFile, trusted);
    if (pkg.kind !== 'incremental') throw new Error('an incremental build produced a full package');
    applyIncrementalPackage({ ...set, sequence: base.sequence, files: base.files }, pkg, 'base');
  } else {
    bytes = encodeDefinitionsPackage(set, signingKey, opts.outFile);
    decodeDefinitionsPackage(bytes, opts.outFile, trusted);
  }
  try {
    await writeFileAtomic(opts.outFile, bytes);
  } catch (err) {
    throw new DefinitionsPackageError(opts.outFile, "can't write the package", { cause: err });
  }
  return {
    outFile: opts.outFile,
    kind: base ? 'incremental' : 'full',
    sequence: set.sequence,
    created: set.created,
    certified: set.certified,
    keyId: signingKey.keyId,
    signatureCount: set.signatureCount,
    files: set.files.map((f) => ({ name: f.name, size: f.data.byteLength })),
    ...(base ? { baseSequence: base.sequence, ...diffSets(base, set) } : {}),
    selfTestPassed: selfTestFailure(tested.engine) === null,
  };
}

interface BaseSet {
  readonly sequence: number;
  readonly files: readonly DefinitionsFile[];
}

/**
 * Reads the base of an incremental build. A base package is checked for integrity (each file
 * against its manifest) but its signature is not required to be ours: the base may have been
 * signed by an earlier key, and what matters is its content, which the new manifest pins anyway
 * (an agent whose set differs from this base refuses the package).
 */
async function readBase(base: BuildBase): Promise<BaseSet> {
  if ('sourceDir' in base) {
    if (!Number.isSafeInteger(base.sequence) || base.sequence < 0) {
      throw new RangeError(`base sequence must be a non-negative integer (got ${String(base.sequence)})`);
    }
    return { sequence: base.sequence, files: (await readDefinitionsSource(base.sourceDir)).files };
  }
  const path = base.packageFile;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new DefinitionsPackageError(path, 'base package file not found');
    throw new DefinitionsPackageError(path, "can't read the base package", { cause: err });
  }
  const header = readPackageHeader(bytes, path);
  if (header.manifest.kind !== 'full') {
    throw new DefinitionsPackageError(path, `the base must be a full package (this one is incremental ${header.manifest.baseSequence}->${header.manifest.sequence}); give the base set's sources with --base-dir and --base-sequence instead`);
  }
  return { sequence: header.manifest.sequence, files: sliceBodies(bytes, header.bodyOffset, header.manifest.files, path) };
}

/** A SignatureSyntaxError's message already reads `file.ndb:LINE: reason`; it is kept whole. */
function testLoadSource(dir: string, files: DefinitionsSet['files']): ReturnType<typeof testLoadEngine> {
  try {
    return testLoadEngine(files);
  } catch (err) {
    throw new DefinitionsSourceError(dir, `test load failed: ${(err as Error).message}`, { cause: err });
  }
}
