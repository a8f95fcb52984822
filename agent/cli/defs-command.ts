/**
 * `epq defs ...`:
 *   - publisher side: make signing keys, build and sign packages (full or incremental), verify
 *     and show them;
 *   - agent side: install a package into the definitions store, update from the configured
 *     source, roll back, list the kept sets. These act on the same store as a running agent,
 *     which follows the switch of `active.json` (see agent/updates/definitions-store.ts).
 */
import { readFile } from 'node:fs/promises';
import type { Argv, Options as YargsOption } from 'yargs';
import { buildDefinitionsPackage, type BuildBase } from '../../definitions/build-package.js';
import { DefinitionsPackageError } from '../../definitions/errors.js';
import { writeKeyPair, loadTrustedKeys } from '../../definitions/keys.js';
import { inspectDefinitionsPackage, verifyDefinitionsPackage, type PackageManifest } from '../../definitions/package-format.js';
import { testLoadDefinitions } from '../../definitions/test-load.js';
import { SignatureSyntaxError } from '../../scanner/errors.js';
import type { AgentConfig } from '../config/agent-config.js';
import type { AgentEvent, EventSink } from '../events/agent-event.js';
import { toYargsOptions, type OptionSpec } from '../options/option-spec.js';
import { JSON_OUTPUT_OPTION } from '../options/scan-options.js';
import { DefinitionsStore, type ActivePointer } from '../updates/definitions-store.js';
import { installDefinitions } from '../updates/install-definitions.js';
import { rollbackDefinitions } from '../updates/rollback-definitions.js';
import { openUpdateContext, type UpdateContext } from '../updates/update-context.js';
import { checkForUpdates, readLastCheck, type CheckResult } from '../updates/update-source.js';
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
  { key: 'defs.build.base', flag: 'base', type: 'string', default: undefined, help: 'Build an incremental package: the changes from this older FULL package' },
  { key: 'defs.build.baseDir', flag: 'base-dir', type: 'string', default: undefined, help: 'Build an incremental package: the changes from this older source folder (needs --base-sequence)' },
  { key: 'defs.build.baseSequence', flag: 'base-sequence', type: 'string', default: undefined, help: 'Sequence of the set in --base-dir' },
];
const SHOW_OPTIONS: readonly OptionSpec[] = [JSON_OUTPUT_OPTION];

/**
 * Flags of the commands that work on an agent's definitions store. Each maps to the agent config
 * key it overrides; without --config, `$EPQ_CONFIG`, else the installed config file if present,
 * else built-in defaults are read (see agent/config).
 */
const STORE_OPTIONS: readonly OptionSpec[] = [
  { key: 'configFile', flag: 'config', type: 'string', default: undefined, help: 'Agent config file (JSON); default $EPQ_CONFIG, else the installed one if present, else built-in defaults' },
  { key: 'stateDir', flag: 'state-dir', type: 'string', default: undefined, help: 'Agent state folder; the store is its definitions/ folder (config stateDir)' },
  { key: 'definitions.keep', flag: 'keep', type: 'string', default: undefined, help: 'Sets kept on disk, the active one included (config definitions.keep, default 3)' },
];
const SOURCE_OPTIONS: readonly OptionSpec[] = [
  { key: 'definitions.source', flag: 'source', type: 'string', default: undefined, help: 'Folder or http(s) URL to update from (config definitions.source)' },
  { key: 'defs.update.timeout', flag: 'timeout', type: 'duration', default: undefined, help: 'Deadline of each HTTP request, e.g. 30s (default 30s)' },
];

/**
 * Registers `epq defs` and its subcommands. Handlers report through `setExit`: 0 done or
 * verified, 2 refused or failed (thrown errors become exit 2 in the entry point).
 */
export function registerDefsCommand(parser: Argv, setExit: SetExit): void {
  parser.command('defs', 'Definitions: build and sign packages; install, update, roll back and list the agent\'s sets', (defs: Argv) =>
    defs
      .usage('$0 defs <keygen|build|verify|show|install|update|rollback|list> [options]')
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
      .command('install <file>', 'Verify, test and install a package into the agent\'s definitions store',
        (y: Argv) => y.positional('file', { describe: 'Package file (full, or incremental over the active set)', type: 'string' }).options(storeOptions()),
        async (argv) => setExit(await runInstall(String(argv.file), argv)))
      .command('update', 'Check the definitions source now and install what is newer',
        (y: Argv) => y.options({ ...storeOptions(), ...toYargsOptions(SOURCE_OPTIONS) }),
        async (argv) => setExit(await runUpdate(argv)))
      .command('rollback', 'Go back to the previous kept definitions set',
        (y: Argv) => y.options(storeOptions()),
        async (argv) => setExit(await runRollback(argv)))
      .command('list', 'List the kept definitions sets (the active one marked) and the last update check',
        (y: Argv) => y.options(storeOptions()),
        async (argv) => setExit(await runList(argv)))
      .demandCommand(1, 'Name a defs subcommand: keygen, build, verify, show, install, update, rollback or list.'),
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
    print(`built ${result.outFile}: incremental ${result.baseSequence}->${result.sequence}, created ${result.created}, ${certified}`);
    print(`${result.signatureCount} signatures in ${result.files.length} files (${result.added!.length} added or replaced, ${result.removed!.length} removed), signed by key ${result.keyId}`);
  } else {
    print(`built ${result.outFile}: sequence ${result.sequence}, created ${result.created}, ${certified}`);
    print(`${result.signatureCount} signatures in ${result.files.length} files, signed by key ${result.keyId}`);
  }
  if (!result.selfTestPassed) process.stderr.write('warning: this set does not detect the EICAR test file; agents refuse to install it (self-test)\n');
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

async function runShow(path: string, json: boolean): Promise<number> {
  const { manifest } = await inspectDefinitionsPackage(path);
  print(json ? JSON.stringify({ path, verified: false, manifest }, null, 2) : describeManifest(path, manifest));
  return EXIT_CLEAN;
}

async function runVerify(path: string, pubFiles: readonly string[]): Promise<number> {
  // Key files that can't be loaded are the operator's error, not the package's: let them throw.
  const keys = await loadTrustedKeys(pubFiles);
  try {
    const pkg = verifyDefinitionsPackage(await readPackageBytes(path), path, keys);
    if (pkg.kind === 'incremental') {
      const m = pkg.manifest;
      print(`OK ${path}: incremental ${pkg.baseSequence}->${pkg.sequence}, signed by key ${m.keyId}, created ${m.created}, ${m.certified ? 'certified' : 'not certified'}, ` +
        `${pkg.added.length} files added or replaced, ${pkg.removed.length} removed; the resulting set is checked and test-loaded when installed over set ${pkg.baseSequence}`);
      return EXIT_CLEAN;
    }
    const set = pkg.set;
    const database = testLoadDefinitions(set.files);
    const certified = set.certified ? 'certified' : 'not certified';
    print(`OK ${path}: sequence ${set.sequence}, signed by key ${set.keyId}, created ${set.created}, ${certified}, ` +
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

async function readPackageBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new DefinitionsPackageError(path, 'package file not found');
    throw new DefinitionsPackageError(path, "can't read the package", { cause: err });
  }
}

function describeManifest(path: string, m: PackageManifest): string {
  const width = Math.max(...m.files.map((f) => f.name.length), 4);
  const incremental = m.kind === 'incremental'
    ? [
        `Base:        sequence ${m.baseSequence} (the package applies only over that set)`,
        `Added:       ${m.added!.length === 0 ? '-' : m.added!.join(' ')} (added or replaced; carried in the package)`,
        `Removed:     ${m.removed!.length === 0 ? '-' : m.removed!.join(' ')}`,
      ]
    : [];
  return [
    `Package:     ${path}`,
    'Verified:    NO - show does not check the signature or the file hashes (use `epq defs verify FILE --pub KEY`)',
    `Format:      ${m.format} (${m.kind})`,
    `Sequence:    ${m.sequence}`,
    ...incremental,
    `Created:     ${m.created}`,
    `Certified:   ${m.certified ? 'yes' : 'no'}`,
    `Key id:      ${m.keyId}`,
    `Signatures:  ${m.signatureCount}`,
    `Files:       ${m.files.length}${m.kind === 'incremental' ? ' (every file of the resulting set)' : ''}`,
    ...m.files.map((f) => `  ${f.name.padEnd(width)}  ${String(f.size).padStart(10)} bytes  sha256 ${f.sha256}`),
  ].join('\n');
}

// ---- agent side: the definitions store ----

interface StoreCommand {
  readonly ctx: UpdateContext;
  readonly source: string | null;
  /** Warnings and errors reported while the command ran (printed to stderr at the end). */
  readonly events: AgentEvent[];
}

/**
 * Loads the agent config (file + flag overrides) and opens the store and the active set.
 * The config module is imported lazily: agent/options imports this file for TRUSTED_KEYS_OPTION.
 */
async function openStoreCommand(argv: Record<string, unknown>): Promise<StoreCommand> {
  const { config, events, sink } = await loadStoreConfig(argv);
  const ctx = await openUpdateContext({
    stateDir: config.stateDir,
    trustedKeyFiles: config.definitions.trustedKeys,
    keep: config.definitions.keep,
    events: sink,
  });
  return { ctx, source: config.definitions.source, events };
}

/** The agent config with this command's flags as overrides, and an event collector. */
async function loadStoreConfig(argv: Record<string, unknown>): Promise<{ config: AgentConfig; events: AgentEvent[]; sink: EventSink }> {
  const { loadConfig } = await import('../config/index.js');
  const { DEFAULT_CONFIG_FILE } = await import('./agent-context.js');
  const { existsSync } = await import('node:fs');
  const given = (argv.config as string | undefined) ?? process.env['EPQ_CONFIG'];
  const file = given ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  const overrides: Record<string, unknown> = {};
  if (argv['state-dir'] !== undefined) overrides['stateDir'] = argv['state-dir'];
  if (argv.pub !== undefined) overrides['definitions.trustedKeys'] = toList(argv.pub);
  if (argv.source !== undefined) overrides['definitions.source'] = argv.source;
  if (argv.keep !== undefined) overrides['definitions.keep'] = argv.keep;
  const config = await loadConfig({ ...(file !== undefined ? { file } : {}), overrides });
  const events: AgentEvent[] = [];
  const sink: EventSink = (event) => {
    events.push(event);
  };
  return { config, events, sink };
}

/**
 * Prints the warnings and errors the command's events carried, except what its result line
 * reports itself: the refusal of `except` (a package), and a manual rollback.
 */
function printEvents(events: readonly AgentEvent[], except?: string): void {
  for (const e of events) {
    if (e.severity === 'info') continue;
    if (except !== undefined && e.name === 'definitions refused' && e.data?.package === except) continue;
    if (e.name === 'definitions rolled back' && e.data?.automatic === false) continue;
    process.stderr.write(`epq: ${e.name}: ${e.message}\n`);
  }
}

async function runInstall(file: string, argv: Record<string, unknown>): Promise<number> {
  const { ctx, events } = await openStoreCommand(argv);
  const result = await installDefinitions(file, ctx);
  printEvents(events, result.installed ? undefined : result.package);
  if (argv.json === true) {
    print(JSON.stringify(result.installed ? summarizeInstall(result) : result, null, 2));
    return result.installed ? EXIT_CLEAN : EXIT_ERROR;
  }
  if (!result.installed) {
    process.stderr.write(`REFUSED ${result.package}: ${result.reason} (sequence ${result.activeSequence} stays active)\n`);
    return EXIT_ERROR;
  }
  print(`installed definitions sequence ${result.sequence} (${result.certified ? 'certified' : 'not certified'}, created ${result.created}): ` +
    `${result.signatureCount} signatures; was sequence ${result.previousSequence}`);
  return EXIT_CLEAN;
}

async function runUpdate(argv: Record<string, unknown>): Promise<number> {
  const { ctx, source, events } = await openStoreCommand(argv);
  if (source === null) throw new Error('no definitions source: give --source FOLDER|URL or set definitions.source in the config');
  const result = await checkForUpdates({ ...ctx, source, ...(argv.timeout === undefined ? {} : { timeoutMs: Number(argv.timeout) }) });
  printEvents(events, result.result === 'refused' ? result.packages?.[0] : undefined);
  if (argv.json === true) print(JSON.stringify(result, null, 2));
  else print(describeCheck(result));
  return result.result === 'installed' || result.result === 'up-to-date' ? EXIT_CLEAN : EXIT_ERROR;
}

async function runRollback(argv: Record<string, unknown>): Promise<number> {
  const { ctx, events } = await openStoreCommand(argv);
  const result = await rollbackDefinitions(ctx);
  printEvents(events);
  if (argv.json === true) {
    const { engine: _engine, meta: _meta, ...plain } = result.rolledBack ? result : { ...result, engine: null, meta: null };
    print(JSON.stringify(plain, null, 2));
  } else if (result.rolledBack) {
    print(`rolled back definitions from sequence ${result.from} to ${result.sequence} (${result.certified ? 'certified' : 'not certified'}, created ${result.created})`);
  } else {
    process.stderr.write(`REFUSED rollback: ${result.reason}\n`);
  }
  return result.rolledBack ? EXIT_CLEAN : EXIT_ERROR;
}

interface ListedSet {
  readonly sequence: number;
  readonly active: boolean;
  readonly file: string;
  readonly size: number;
  readonly kind?: string;
  readonly baseSequence?: number;
  readonly created?: string;
  readonly certified?: boolean;
  readonly keyId?: string;
  readonly signatureCount?: number;
  /** Set when the header can't be read. */
  readonly problem?: string;
}

/**
 * Lists the store. With trusted keys configured the active set is loaded and verified (a stored
 * set that fails shows as such); without, the listing says what active.json names, unverified.
 */
async function runList(argv: Record<string, unknown>): Promise<number> {
  const { config, events, sink } = await loadStoreConfig(argv);
  const verified = config.definitions.trustedKeys.length > 0;
  let store: DefinitionsStore;
  let active: { sequence: number; label: string; signatureCount: number | null };
  if (verified) {
    const ctx = await openUpdateContext({ stateDir: config.stateDir, trustedKeyFiles: config.definitions.trustedKeys, keep: config.definitions.keep, events: sink });
    store = ctx.store;
    const current = ctx.definitions.current();
    active = { sequence: current.sequence, label: current.label, signatureCount: current.signatureCount };
  } else {
    store = await DefinitionsStore.open(config.stateDir, { keep: config.definitions.keep });
    const named = await store.readPointer().catch(() => null);
    active = named
      ? { sequence: named.sequence, label: `definitions sequence ${named.sequence} (as active.json says; not verified: no trusted keys given)`, signatureCount: null }
      : { sequence: 0, label: 'built-in definitions (sequence 0)', signatureCount: null };
  }
  const pointer = await store.readPointer().catch(() => null);
  const sets = await listStore(store, active.sequence);
  const lastCheck = await readLastCheck(store);
  printEvents(events);
  if (argv.json === true) {
    print(JSON.stringify({ store: store.dir, keep: store.keep, verified, active, pointer, sets, lastCheck }, null, 2));
    return EXIT_CLEAN;
  }
  print(`Definitions store ${store.dir} (keeps ${store.keep} set${store.keep === 1 ? '' : 's'}, the active one included)`);
  print(`Active: ${active.label}`);
  if (sets.length === 0) print('No sets installed; the built-in definitions (sequence 0) are active.');
  for (const s of sets) print(describeListed(s, pointer));
  if (lastCheck) print(`Last update check: ${describeCheck(lastCheck)}`);
  return EXIT_CLEAN;
}

async function listStore(store: DefinitionsStore, activeSequence: number): Promise<ListedSet[]> {
  const out: ListedSet[] = [];
  for (const entry of await store.listSets()) {
    const base = { sequence: entry.sequence, active: entry.sequence === activeSequence, file: entry.file, size: entry.size };
    try {
      const m = await store.readSetManifest(entry.sequence);
      out.push({
        ...base,
        kind: m.kind,
        ...(m.baseSequence === undefined ? {} : { baseSequence: m.baseSequence }),
        created: m.created,
        certified: m.certified,
        keyId: m.keyId,
        signatureCount: m.signatureCount,
      });
    } catch (err) {
      out.push({ ...base, problem: (err as Error).message });
    }
  }
  return out;
}

function describeListed(s: ListedSet, pointer: ActivePointer | null): string {
  const mark = s.active ? '*' : ' ';
  const seq = String(s.sequence).padStart(6);
  if (s.problem) return `${mark} ${seq}  unreadable: ${s.problem}`;
  const origin = s.kind === 'incremental' ? `incremental from ${s.baseSequence}` : 'full';
  const pointed = !s.active && pointer?.sequence === s.sequence ? '  (active.json names it, but it fails to load)' : '';
  return `${mark} ${seq}  ${s.active ? 'active' : 'kept  '}  created ${s.created}  ${s.certified ? 'certified    ' : 'not certified'}  ` +
    `${s.signatureCount} signatures  ${origin}  key ${s.keyId}  ${s.size} bytes${pointed}`;
}

function describeCheck(r: CheckResult): string {
  const at = `${r.checkedAt} from ${r.source}`;
  switch (r.result) {
    case 'installed':
      return `installed sequence ${r.sequence} (${at}; ${(r.packages ?? []).join(' + ')})`;
    case 'up-to-date':
      return r.reason
        ? `up to date: sequence ${r.activeSequence} stays active: ${r.reason} (${at})`
        : `up to date: sequence ${r.activeSequence} is the newest offered (${at})`;
    case 'refused':
      return `REFUSED: ${r.reason} (${at}; sequence ${r.activeSequence} stays active)`;
    case 'unreachable':
      return `unreachable: ${r.reason} (${at}; sequence ${r.activeSequence} stays active)`;
  }
}

/** An install result without the engine and database, for --json. */
function summarizeInstall(r: { sequence: number; created: string; certified: boolean; label: string; signatureCount: number; previousSequence: number; packages: readonly string[] }): object {
  return { installed: true, sequence: r.sequence, created: r.created, certified: r.certified, label: r.label, signatureCount: r.signatureCount, previousSequence: r.previousSequence, packages: r.packages };
}

function storeOptions(): Record<string, YargsOption> {
  const pub = pubOptions().pub!;
  return { ...toYargsOptions([...STORE_OPTIONS, JSON_OUTPUT_OPTION]), pub: { ...pub, demandOption: false } };
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
