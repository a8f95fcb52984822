import { open, readFile } from 'node:fs/promises';
import { parseSignatureFiles, type SignatureDatabase } from '../scanner/signature-database.js';
import { decodeSetFile, SET_FILE_MAGIC } from './set-file.js';
import { loadBuiltinSet } from './builtin-set.js';
import { readClamavDatabase } from './clamav-import.js';
import { EMPTY_EPQ_META, type EpqMeta } from './epq-meta.js';
import { DefinitionsPackageError, DefinitionsSourceError } from './errors.js';
import { loadTrustedKeys, type TrustedKey } from './keys.js';
import { readDefinitionsPackage, type SignedDefinitionsSet } from './package-format.js';
import { selectSignatureFiles, type DefinitionsFile } from './definitions-set.js';

export interface LoadScanDefinitionsOptions {
  /** A signed package to verify and load. */
  readonly defsFile?: string;
  /** Public key files trusted to sign `defsFile`. */
  readonly trustedKeyFiles?: readonly string[];
  /** A folder of ClamAV text signature files to load unsigned. */
  readonly clamavDbDir?: string;
}

export interface ScanDefinitions {
  /** Says where the signatures came from, for status lines and logs. */
  readonly label: string;
  /** Sequence of the set; null for a ClamAV folder, which has none. */
  readonly sequence: number | null;
  readonly signatureCount: number;
  readonly database: SignatureDatabase;
  readonly meta: EpqMeta;
}

/**
 * Picks and loads the definitions a scan uses: the built-in set when no source is given, a
 * verified package (`defsFile`, checked against `trustedKeyFiles`), or a ClamAV database folder.
 * @throws Error when both sources are given or `defsFile` has no trusted key; DefinitionsKeyError
 *   for an unusable key; DefinitionsPackageError for a refused package (including a test-load
 *   failure naming file and line); DefinitionsSourceError for an unusable ClamAV folder or
 *   signature syntax in it (naming file and line).
 */
export async function loadScanDefinitions(opts: LoadScanDefinitionsOptions): Promise<ScanDefinitions> {
  if (opts.defsFile !== undefined && opts.clamavDbDir !== undefined) {
    throw new Error('give either --defs FILE or --clamav-db DIR, not both');
  }
  if (opts.defsFile !== undefined) return loadPackage(opts.defsFile, opts.trustedKeyFiles ?? []);
  if (opts.clamavDbDir !== undefined) return loadClamavFolder(opts.clamavDbDir);
  const set = await loadBuiltinSet();
  return {
    label: `built-in definitions (sequence ${set.sequence})`,
    sequence: set.sequence,
    signatureCount: set.signatureCount,
    database: parseDefinitions(set.files),
    meta: set.meta,
  };
}

async function loadPackage(path: string, keyFiles: readonly string[]): Promise<ScanDefinitions> {
  if (keyFiles.length === 0) throw new Error('--defs needs --pub KEY (a public key trusted to sign definitions)');
  const set = await readPackageOrSet(path, await loadTrustedKeys(keyFiles));
  let database: SignatureDatabase;
  try {
    database = parseDefinitions(set.files);
  } catch (err) {
    throw new DefinitionsPackageError(path, `signatures fail to load: ${(err as Error).message}`, { cause: err });
  }
  return {
    label: `definitions ${path} (sequence ${set.sequence}, key ${set.keyId ?? '?'})`,
    sequence: set.sequence,
    signatureCount: database.signatureCount,
    database,
    meta: set.meta,
  };
}

/**
 * A published package, or a set file of an agent's definitions store (`definitions/sets/`, full
 * and already merged): both signed, both verified with the trusted keys.
 */
async function readPackageOrSet(path: string, keys: readonly TrustedKey[]): Promise<SignedDefinitionsSet> {
  const head = await readHead(path, SET_FILE_MAGIC.length);
  if (head === SET_FILE_MAGIC) return decodeSetFile(await readFile(path), path, keys);
  return readDefinitionsPackage(path, keys);
}

/** The first bytes of a file as latin1 text; '' when it can't be read (the package reader says why). */
async function readHead(path: string, length: number): Promise<string> {
  try {
    const handle = await open(path, 'r');
    try {
      const { buffer, bytesRead } = await handle.read({ buffer: Buffer.alloc(length), position: 0 });
      return buffer.subarray(0, bytesRead).toString('latin1');
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}

async function loadClamavFolder(dir: string): Promise<ScanDefinitions> {
  const files = await readClamavDatabase(dir);
  let database: SignatureDatabase;
  try {
    database = parseSignatureFiles(files);
  } catch (err) {
    if (err instanceof DefinitionsSourceError) throw err;
    throw new DefinitionsSourceError(dir, `signatures fail to load: ${(err as Error).message}`, { cause: err });
  }
  return { label: `ClamAV database ${dir}`, sequence: null, signatureCount: database.signatureCount, database, meta: EMPTY_EPQ_META };
}

/** Parse only: the caller compiles its own engine, so compiling here too would double the cost. */
function parseDefinitions(files: readonly DefinitionsFile[]): SignatureDatabase {
  return parseSignatureFiles(selectSignatureFiles(files));
}
