/**
 * The publisher's side of `epq defs`: make signing keys, build and sign packages (full or
 * incremental), verify and show them. Each returns the exit code.
 */
import { readFile } from 'node:fs/promises';
import { buildDefinitionsPackage, type BuildBase } from '../../definitions/build-package.js';
import { DefinitionsPackageError, ScanCostError } from '../../definitions/errors.js';
import { writeKeyPair, loadTrustedKeys } from '../../definitions/keys.js';
import { inspectDefinitionsPackage, verifyDefinitionsPackage } from '../../definitions/package-format.js';
import type { PackageManifest } from '../../definitions/package-manifest.js';
import { testLoadDefinitions } from '../../definitions/test-load.js';
import { SignatureSyntaxError } from '../../scanner/errors.js';
import { writeBlock, writeLine } from '../text/terminal-lines.js';
import { printable } from '../text/printable.js';
import { formatLocalTime } from '../text/format-time.js';
import { EXIT_CLEAN, EXIT_ERROR } from './exit-codes.js';

/**
 * `epq defs keygen`: writes PREFIX.key and PREFIX.pub.
 * @throws DefinitionsKeyError when either file exists or can't be written.
 */
export async function runKeygen(prefix: string): Promise<number> {
  const pair = await writeKeyPair(prefix);
  print(`wrote ${pair.privateKeyPath} (private key, mode 0600: keep it secret)`);
  print(`wrote ${pair.publicKeyPath} (public key: give it to agents to trust)`);
  print(`key id ${pair.keyId}`);
  return EXIT_CLEAN;
}

/**
 * `epq defs build`: test-loads a source folder, signs it and writes a package (incremental with
 * --base or --base-dir).
 * @throws Error for a bad combination of --base, --base-dir and --base-sequence; otherwise as
 *   buildDefinitionsPackage (RangeError, DefinitionsSourceError, DefinitionsKeyError,
 *   DefinitionsPackageError).
 */
export async function runBuild(argv: Record<string, unknown>): Promise<number> {
  const base = buildBaseOf(argv);
  const result = await buildDefinitionsPackage({
    sourceDir: String(argv.from),
    sequence: Number(argv.sequence),
    signingKeyFile: String(argv.key),
    outFile: String(argv.out),
    certified: argv.certified === true,
    ...(argv.created === undefined ? {} : { created: String(argv.created) }),
    ...(base ? { base } : {}),
  });
  const certified = result.certified ? 'certified' : 'not certified';
  if (result.kind === 'incremental') {
    print(`built ${result.outFile}: incremental ${result.baseSequence}->${result.sequence}, created ${formatLocalTime(result.created)}, ${certified}`);
    print(`${result.signatureCount} signatures in ${result.files.length} files (${result.added!.length} added or replaced, ${result.removed!.length} removed), signed by key ${result.keyId}`);
  } else {
    print(`built ${result.outFile}: sequence ${result.sequence}, created ${formatLocalTime(result.created)}, ${certified}`);
    print(`${result.signatureCount} signatures in ${result.files.length} files, signed by key ${result.keyId}`);
  }
  if (!result.selfTestPassed) writeLine(process.stderr, 'warning: this set does not detect the EICAR test file; agents refuse to install it (self-test)');
  return EXIT_CLEAN;
}

/** `--base FILE`, or `--base-dir DIR --base-sequence N`. */
function buildBaseOf(argv: Record<string, unknown>): BuildBase | undefined {
  const file = argv.base as string | undefined;
  const dir = argv['base-dir'] as string | undefined;
  const sequence = argv['base-sequence'] as string | undefined;
  if (file !== undefined && dir !== undefined) throw new Error('give either --base FILE or --base-dir DIR, not both');
  if (file !== undefined) {
    if (sequence !== undefined) throw new Error('--base-sequence goes with --base-dir; a --base package names its own sequence');
    return { packageFile: file };
  }
  if (dir !== undefined) {
    if (sequence === undefined) throw new Error('--base-dir needs --base-sequence N, the sequence of the set in that folder');
    if (!/^\d+$/.test(sequence)) throw new Error(`--base-sequence must be a non-negative integer (got ${JSON.stringify(sequence)})`);
    return { sourceDir: dir, sequence: Number(sequence) };
  }
  if (sequence !== undefined) throw new Error('--base-sequence goes with --base-dir');
  return undefined;
}

/**
 * `epq defs show`: prints a package's manifest WITHOUT verifying it.
 * @throws DefinitionsPackageError when the file can't be read or its header is malformed.
 */
export async function runShow(path: string, json: boolean): Promise<number> {
  const { manifest } = await inspectDefinitionsPackage(path);
  print(json ? JSON.stringify({ path, verified: false, manifest }, null, 2) : describeManifest(path, manifest));
  return EXIT_CLEAN;
}

/**
 * `epq defs verify`: checks a package with the given public keys and test-loads a full one. A
 * refused package is reported on stderr (exit 2), not thrown.
 * @throws DefinitionsKeyError when a key file can't be loaded; errors other than a refusal or a
 *   signature syntax error pass through.
 */
export async function runVerify(path: string, pubFiles: readonly string[]): Promise<number> {
  // Key files that can't be loaded are the operator's error, not the package's: let them throw.
  const keys = await loadTrustedKeys(pubFiles);
  try {
    const pkg = verifyDefinitionsPackage(await readPackageBytes(path), path, keys);
    if (pkg.kind === 'incremental') {
      const m = pkg.manifest;
      print(`OK ${path}: incremental ${pkg.baseSequence}->${pkg.sequence}, signed by key ${m.keyId}, created ${formatLocalTime(m.created)}, ${m.certified ? 'certified' : 'not certified'}, ` +
        `${pkg.added.length} files added or replaced, ${pkg.removed.length} removed; the resulting set is checked and test-loaded when installed over set ${pkg.baseSequence}`);
      return EXIT_CLEAN;
    }
    const set = pkg.set;
    const database = testLoadDefinitions(set.files);
    const certified = set.certified ? 'certified' : 'not certified';
    print(`OK ${path}: sequence ${set.sequence}, signed by key ${set.keyId}, created ${formatLocalTime(set.created)}, ${certified}, ` +
      `${database.signatureCount} signatures in ${set.files.length} files`);
    return EXIT_CLEAN;
  } catch (err) {
    if (err instanceof DefinitionsPackageError) {
      writeLine(process.stderr, `REFUSED ${path}: ${withCause(err.reason, err.cause)}`);
      return EXIT_ERROR;
    }
    if (err instanceof SignatureSyntaxError || err instanceof ScanCostError) {
      writeLine(process.stderr, `REFUSED ${path}: signatures fail to load: ${err.message}`);
      return EXIT_ERROR;
    }
    throw err;
  }
}

/** The reason plus the wrapped error's message when it adds something (e.g. EACCES details). */
function withCause(reason: string, cause: unknown): string {
  return cause instanceof Error && !reason.includes(cause.message) ? `${reason}: ${cause.message}` : reason;
}

async function readPackageBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new DefinitionsPackageError(path, 'package file not found');
    throw new DefinitionsPackageError(path, "can't read the package", { cause: err });
  }
}

function describeManifest(path: string, m: PackageManifest): string {
  const width = Math.max(...m.files.map((f) => printable(f.name).length), 4);
  const incremental = m.kind === 'incremental'
    ? [
        `Base:        sequence ${m.baseSequence} (the package applies only over that set)`,
        `Added:       ${m.added!.length === 0 ? '-' : m.added!.map((n) => printable(n)).join(' ')} (added or replaced; carried in the package)`,
        `Removed:     ${m.removed!.length === 0 ? '-' : m.removed!.map((n) => printable(n)).join(' ')}`,
      ]
    : [];
  return [
    `Package:     ${printable(path)}`,
    'Verified:    NO - show does not check the signature or the file hashes (use `epq defs verify FILE --pub KEY`)',
    `Format:      ${m.format} (${m.kind})`,
    `Sequence:    ${m.sequence}`,
    ...incremental,
    `Created:     ${formatLocalTime(m.created)}`,
    `Certified:   ${m.certified ? 'yes' : 'no'}`,
    `Key id:      ${m.keyId}`,
    `Signatures:  ${m.signatureCount}`,
    `Files:       ${m.files.length}${m.kind === 'incremental' ? ' (every file of the resulting set)' : ''}`,
    ...m.files.map((f) => `  ${printable(f.name).padEnd(width)}  ${String(f.size).padStart(10)} bytes  sha256 ${f.sha256}`),
  ].join('\n');
}

/** Text whose line breaks are ours; values in it are escaped line by line (printable.ts). */
function print(text: string): void {
  writeBlock(process.stdout, text);
}
