import { normalizeCreatedDate, type DefinitionsSet } from './definitions-set.js';
import { writeFileAtomic } from './atomic-write.js';
import { DefinitionsPackageError, DefinitionsSourceError } from './errors.js';
import { loadSigningKey, toTrustedKey } from './keys.js';
import { decodeDefinitionsPackage, encodeDefinitionsPackage } from './package-format.js';
import { readDefinitionsSource } from './source-folder.js';
import { testLoadDefinitions } from './test-load.js';

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
}

export interface BuildPackageResult {
  readonly outFile: string;
  readonly sequence: number;
  readonly created: string;
  readonly certified: boolean;
  readonly keyId: string;
  readonly signatureCount: number;
  readonly files: readonly { readonly name: string; readonly size: number }[];
}

/**
 * Builds a signed full definitions package from a source folder. The signatures are test-loaded
 * with the scanner first (a set that would fail on endpoints is never signed), and the written
 * bytes are verified with the key's public half before they replace `outFile`.
 * @throws RangeError for a bad sequence or creation date; DefinitionsSourceError for a bad source
 *   folder or a signature that fails the test load (message names the folder, then `file:line`);
 *   DefinitionsKeyError for an unusable key; DefinitionsPackageError if the output can't be written.
 */
export async function buildDefinitionsPackage(opts: BuildPackageOptions): Promise<BuildPackageResult> {
  if (!Number.isSafeInteger(opts.sequence) || opts.sequence < 1) {
    throw new RangeError(`sequence must be a positive integer (got ${String(opts.sequence)})`);
  }
  const created = opts.created === undefined ? new Date().toISOString() : normalizeCreatedDate(opts.created);
  if (created === null) {
    throw new RangeError(`creation date must be ISO 8601, e.g. 2025-03-01 or 2025-03-01T10:00:00Z (got ${JSON.stringify(opts.created)})`);
  }
  const source = await readDefinitionsSource(opts.sourceDir);
  const database = testLoadSource(opts.sourceDir, source.files);
  // Load the key after the sources: a syntax error is the likelier mistake and needs no key.
  const signingKey = await loadSigningKey(opts.signingKeyFile);
  const set: DefinitionsSet = {
    sequence: opts.sequence,
    created,
    certified: opts.certified ?? false,
    keyId: signingKey.keyId,
    files: source.files,
    meta: source.meta,
    signatureCount: database.signatureCount,
  };
  const bytes = encodeDefinitionsPackage(set, signingKey, opts.outFile);
  // Read back what we are about to publish, with the same checks an agent applies.
  decodeDefinitionsPackage(bytes, opts.outFile, [toTrustedKey(signingKey)]);
  try {
    await writeFileAtomic(opts.outFile, bytes);
  } catch (err) {
    throw new DefinitionsPackageError(opts.outFile, "can't write the package", { cause: err });
  }
  return {
    outFile: opts.outFile,
    sequence: set.sequence,
    created: set.created,
    certified: set.certified,
    keyId: signingKey.keyId,
    signatureCount: set.signatureCount,
    files: set.files.map((f) => ({ name: f.name, size: f.data.byteLength })),
  };
}

/** A SignatureSyntaxError's message already reads `file.ndb:LINE: reason`; it is kept whole. */
function testLoadSource(dir: string, files: DefinitionsSet['files']): ReturnType<typeof testLoadDefinitions> {
  try {
    return testLoadDefinitions(files);
  } catch (err) {
    throw new DefinitionsSourceError(dir, `test load failed: ${(err as Error).message}`, { cause: err });
  }
}
