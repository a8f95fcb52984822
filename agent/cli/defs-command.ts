/**
 * `epq defs ...`: make signing keys, build and sign definitions packages, verify and show them.
 * These are publisher-side tools; the agent itself only verifies.
 */
import type { Argv, Options as YargsOption } from 'yargs';
import { buildDefinitionsPackage } from '../../definitions/build-package.js';
import { DefinitionsPackageError } from '../../definitions/errors.js';
import { writeKeyPair, loadTrustedKeys } from '../../definitions/keys.js';
import { inspectDefinitionsPackage, readDefinitionsPackage, type PackageManifest } from '../../definitions/package-format.js';
import { testLoadDefinitions } from '../../definitions/test-load.js';
import { SignatureSyntaxError } from '../../scanner/errors.js';
import { toYargsOptions, type OptionSpec } from '../options/option-spec.js';
import { JSON_OUTPUT_OPTION } from '../options/scan-options.js';
import type { SetExit } from './commands.js';
import { EXIT_CLEAN, EXIT_ERROR } from './exit-codes.js';

/** Trusted public keys: a real agent option (config `definitions.trustedKeys`), reused by scan. */
export const TRUSTED_KEYS_OPTION: OptionSpec = {
  key: 'definitions.trustedKeys',
  flag: 'pub',
  type: 'strings',
  default: undefined,
  help: 'Public key file (PEM) trusted to sign definitions; repeat --pub for several keys',
};

// Flags of the publisher commands only; they have no config-file counterpart.
const KEYGEN_OPTIONS: readonly OptionSpec[] = [
  { key: 'defs.keygen.out', flag: 'out', type: 'string', default: undefined, help: 'Path prefix: writes PREFIX.key (private, mode 0600) and PREFIX.pub' },
];
const BUILD_OPTIONS: readonly OptionSpec[] = [
  { key: 'defs.build.sequence', flag: 'sequence', type: 'number', default: undefined, help: 'Sequence number (positive integer, above any published before)' },
  { key: 'defs.build.from', flag: 'from', type: 'string', default: undefined, help: 'Source folder: signature files and an optional epq-meta.json' },
  { key: 'defs.build.key', flag: 'key', type: 'string', default: undefined, help: 'Ed25519 private key (PEM, mode 0600) to sign with' },
  { key: 'defs.build.out', flag: 'out', type: 'string', default: undefined, help: 'Package file to write (replaced atomically)' },
  { key: 'defs.build.certified', flag: 'certified', type: 'boolean', default: false, help: 'Mark the set as certified' },
  { key: 'defs.build.created', flag: 'created', type: 'string', default: undefined, help: 'Creation date, ISO 8601 (default: now)' },
];
const SHOW_OPTIONS: readonly OptionSpec[] = [JSON_OUTPUT_OPTION];

/**
 * Registers `epq defs` and its subcommands. Handlers report through `setExit`: 0 done or
 * verified, 2 refused or failed (thrown errors become exit 2 in the entry point).
 */
export function registerDefsCommand(parser: Argv, setExit: SetExit): void {
  parser.command('defs', 'Make keys, build, sign, verify and show definitions packages', (defs: Argv) =>
    defs
      .usage('$0 defs <keygen|build|verify|show> [options]')
      .command('keygen', 'Create an Ed25519 key pair for signing definitions',
        (y: Argv) => y.options(required(toYargsOptions(KEYGEN_OPTIONS), ['out'])),
        async (argv) => setExit(await runKeygen(String(argv.out))))
      .command('build', 'Test-load a source folder, sign it and write a package',
        (y: Argv) => y.options(required(buildOptions(), ['sequence', 'from', 'key', 'out'])),
        async (argv) => setExit(await runBuild(argv)))
      .command('verify <file>', 'Check a package: trusted signature, file hashes, metadata, test load',
        (y: Argv) => y.positional('file', { describe: 'Package file', type: 'string' }).options(required(pubOptions(), ['pub'])),
        async (argv) => setExit(await runVerify(String(argv.file), toList(argv.pub))))
      .command('show <file>', 'Print a package manifest WITHOUT verifying it',
        (y: Argv) => y.positional('file', { describe: 'Package file', type: 'string' }).options(toYargsOptions(SHOW_OPTIONS)),
        async (argv) => setExit(await runShow(String(argv.file), argv.json === true)))
      .demandCommand(1, 'Name a defs subcommand: keygen, build, verify or show.'),
  );
}

async function runKeygen(prefix: string): Promise<number> {
  const pair = await writeKeyPair(prefix);
  print(`wrote ${pair.privateKeyPath} (private key, mode 0600: keep it secret)`);
  print(`wrote ${pair.publicKeyPath} (public key: give it to agents to trust)`);
  print(`key id ${pair.keyId}`);
  return EXIT_CLEAN;
}

async function runBuild(argv: Record<string, unknown>): Promise<number> {
  const result = await buildDefinitionsPackage({
    sourceDir: String(argv.from),
    sequence: Number(argv.sequence),
    signingKeyFile: String(argv.key),
    outFile: String(argv.out),
    certified: argv.certified === true,
    ...(argv.created === undefined ? {} : { created: String(argv.created) }),
  });
  const certified = result.certified ? 'certified' : 'not certified';
  print(`built ${result.outFile}: sequence ${result.sequence}, created ${result.created}, ${certified}`);
  print(`${result.signatureCount} signatures in ${result.files.length} files, signed by key ${result.keyId}`);
  return EXIT_CLEAN;
}

async function runShow(path: string, json: boolean): Promise<number> {
  const { manifest } = await inspectDefinitionsPackage(path);
  print(json ? JSON.stringify({ path, verified: false, manifest }, null, 2) : describeManifest(path, manifest));
  return EXIT_CLEAN;
}

async function runVerify(path: string, pubFiles: readonly string[]): Promise<number> {
  // Key files that can't be loaded are the operator's error, not the package's: let them throw.
  const keys = await loadTrustedKeys(pubFiles);
  try {
    const set = await readDefinitionsPackage(path, keys);
    const database = testLoadDefinitions(set.files);
    const certified = set.certified ? 'certified' : 'not certified';
    print(`OK ${path}: sequence ${set.sequence}, signed by key ${set.keyId ?? '?'}, created ${set.created}, ${certified}, ` +
      `${database.signatureCount} signatures in ${set.files.length} files`);
    return EXIT_CLEAN;
  } catch (err) {
    if (err instanceof DefinitionsPackageError) {
      process.stderr.write(`REFUSED ${path}: ${withCause(err.reason, err.cause)}\n`);
      return EXIT_ERROR;
    }
    if (err instanceof SignatureSyntaxError) {
      process.stderr.write(`REFUSED ${path}: signatures fail to load: ${err.message}\n`);
      return EXIT_ERROR;
    }
    throw err;
  }
}

/** The reason plus the wrapped error's message when it adds something (e.g. EACCES details). */
function withCause(reason: string, cause: unknown): string {
  return cause instanceof Error && !reason.includes(cause.message) ? `${reason}: ${cause.message}` : reason;
}

function describeManifest(path: string, m: PackageManifest): string {
  const width = Math.max(...m.files.map((f) => f.name.length), 4);
  return [
    `Package:     ${path}`,
    'Verified:    NO - show does not check the signature or the file hashes (use `epq defs verify FILE --pub KEY`)',
    `Format:      ${m.format} (${m.kind})`,
    `Sequence:    ${m.sequence}`,
    `Created:     ${m.created}`,
    `Certified:   ${m.certified ? 'yes' : 'no'}`,
    `Key id:      ${m.keyId}`,
    `Signatures:  ${m.signatureCount}`,
    `Files:       ${m.files.length}`,
    ...m.files.map((f) => `  ${f.name.padEnd(width)}  ${String(f.size).padStart(10)} bytes  sha256 ${f.sha256}`),
  ].join('\n');
}

/** `--pub` may be repeated; as a yargs string (not array) it can't swallow the positional FILE. */
function pubOptions(): Record<string, YargsOption> {
  const options = toYargsOptions([TRUSTED_KEYS_OPTION]);
  return { pub: { ...options.pub, type: 'string', requiresArg: true } };
}

/** yargs turns a non-numeric `--sequence` into NaN; keep the text so the error can quote it. */
function buildOptions(): Record<string, YargsOption> {
  const options = toYargsOptions(BUILD_OPTIONS);
  return { ...options, sequence: { ...options.sequence, type: 'string' } };
}

function required(options: Record<string, YargsOption>, names: readonly string[]): Record<string, YargsOption> {
  const out = { ...options };
  for (const name of names) out[name] = { ...out[name], demandOption: true };
  return out;
}

/** yargs gives a string for one `--pub` and an array for several. */
function toList(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}
