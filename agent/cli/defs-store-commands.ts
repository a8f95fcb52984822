/**
 * The endpoint's side of `epq defs`: install a package into the agent's definitions store, update
 * from the configured source, roll back, list the kept sets. These act on the same store as a
 * running agent, which follows the switch of `active.json` (see agent/updates/definitions-store.ts).
 * Each returns the exit code.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { connectAgent } from '../control/control-client.js';
import { RemoteEndpoint } from '../control/remote-endpoint.js';
import type { DefinitionsReport } from '../endpoint/endpoint-api.js';
import type { AgentConfig } from '../config/agent-config.js';
import { loadConfig } from '../config/index.js';
import type { AgentEvent, EventSink } from '../events/agent-event.js';
import { DefinitionsStore } from '../updates/definitions-store.js';
import { installDefinitions } from '../updates/install-definitions.js';
import { rollbackDefinitions } from '../updates/rollback-definitions.js';
import type { ActivePointer } from '../updates/store-layout.js';
import { openUpdateContext, type UpdateContext } from '../updates/update-context.js';
import { checkForUpdates, readLastCheck, type CheckResult } from '../updates/update-source.js';
import { DEFAULT_CONFIG_FILE } from './agent-context.js';
import { toList } from './defs-options.js';
import { writeLine } from '../text/terminal-lines.js';
import { formatLocalTime } from '../text/format-time.js';
import { EXIT_CLEAN, EXIT_ERROR } from './exit-codes.js';

interface StoreCommand {
  readonly ctx: UpdateContext;
  readonly source: string | null;
  /** `network.proxy` of the config. */
  readonly proxy: string | null;
  /** Warnings and errors reported while the command ran (printed to stderr at the end). */
  readonly events: AgentEvent[];
}

/** Loads the agent config (file + flag overrides) and opens the store and the active set. */
async function openStoreCommand(argv: Record<string, unknown>): Promise<StoreCommand> {
  const { config, events, sink } = await loadStoreConfig(argv);
  const ctx = await openUpdateContext({
    stateDir: config.stateDir,
    trustedKeyFiles: config.definitions.trustedKeys,
    keep: config.definitions.keep,
    events: sink,
  });
  return { ctx, source: config.definitions.source, proxy: config.network.proxy, events };
}

/** The agent config with this command's flags as overrides, and an event collector. */
async function loadStoreConfig(argv: Record<string, unknown>): Promise<{ config: AgentConfig; events: AgentEvent[]; sink: EventSink }> {
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
    writeLine(process.stderr, `epq: ${e.name}: ${e.message}`);
  }
}

/**
 * `epq defs install FILE`: a refused package is reported (exit 2), not thrown.
 * @throws ConfigError for a bad config file or flag; DefinitionsKeyError for an unusable key
 *   file; DefinitionsStoreError or RangeError (bad keep) when the store can't be opened.
 */
export async function runInstall(file: string, argv: Record<string, unknown>): Promise<number> {
  const viaAgent = await throughAgent(argv, (e) => e.install(resolve(file)));
  if (viaAgent !== null) return viaAgent;
  const { ctx, events } = await openStoreCommand(argv);
  const result = await installDefinitions(file, ctx);
  printEvents(events, result.installed ? undefined : result.package);
  if (argv.json === true) {
    printJson(result.installed ? summarizeInstall(result) : result);
    return result.installed ? EXIT_CLEAN : EXIT_ERROR;
  }
  if (!result.installed) {
    writeLine(process.stderr, `REFUSED ${result.package}: ${result.reason} (sequence ${result.activeSequence} stays active)`);
    return EXIT_ERROR;
  }
  print(`installed definitions sequence ${result.sequence} (${result.certified ? 'certified' : 'not certified'}, created ${formatLocalTime(result.created)}): ` +
    `${result.signatureCount} signatures; was sequence ${result.previousSequence}`);
  return EXIT_CLEAN;
}

/**
 * `epq defs update`: checks the source once; an unreachable source or a refusal is reported
 * (exit 2), not thrown.
 * @throws Error when no source is configured; otherwise as runInstall.
 */
export async function runUpdate(argv: Record<string, unknown>): Promise<number> {
  const viaAgent = argv.source === undefined ? await throughAgent(argv, (e) => e.update()) : null;
  if (viaAgent !== null) return viaAgent;
  const { ctx, source, proxy, events } = await openStoreCommand(argv);
  if (source === null) throw new Error('no definitions source: give --source FOLDER|URL or set definitions.source in the config');
  const result = await checkForUpdates({ ...ctx, source, proxy, ...(argv.timeout === undefined ? {} : { timeoutMs: Number(argv.timeout) }) });
  printEvents(events, result.result === 'refused' ? result.packages?.[0] : undefined);
  if (argv.json === true) printJson(result);
  else print(describeCheck(result));
  return result.result === 'installed' || result.result === 'up-to-date' ? EXIT_CLEAN : EXIT_ERROR;
}

/**
 * `epq defs rollback`: a refused rollback is reported (exit 2), not thrown.
 * @throws as runInstall.
 */
export async function runRollback(argv: Record<string, unknown>): Promise<number> {
  const viaAgent = await throughAgent(argv, (e) => e.rollback());
  if (viaAgent !== null) return viaAgent;
  const { ctx, events } = await openStoreCommand(argv);
  const result = await rollbackDefinitions(ctx);
  printEvents(events);
  if (argv.json === true) {
    const { engine: _engine, meta: _meta, ...plain } = result.rolledBack ? result : { ...result, engine: null, meta: null };
    printJson(plain);
  } else if (result.rolledBack) {
    print(`rolled back definitions from sequence ${result.from} to ${result.sequence} (${result.certified ? 'certified' : 'not certified'}, created ${formatLocalTime(result.created)})`);
  } else {
    writeLine(process.stderr, `REFUSED rollback: ${result.reason}`);
  }
  return result.rolledBack ? EXIT_CLEAN : EXIT_ERROR;
}

/**
 * When an agent runs, install, update and rollback go through it: it verifies with the keys it
 * trusts and checks the source it is configured with (one configuration), and switches the set it
 * runs at once. Null when no agent runs.
 */
async function throughAgent(argv: Record<string, unknown>, call: (endpoint: RemoteEndpoint) => Promise<DefinitionsReport>): Promise<number | null> {
  const { config } = await loadStoreConfig(argv);
  const client = await connectAgent(config.stateDir);
  if (!client) return null;
  const endpoint = new RemoteEndpoint(client);
  let report: DefinitionsReport;
  try {
    if (argv.pub !== undefined) process.stderr.write('epq: note: the running agent verifies with the keys it trusts; --pub is not used\n');
    report = await call(endpoint);
  } finally {
    endpoint.close();
  }
  for (const w of (report['warnings'] as string[] | undefined) ?? []) process.stderr.write(`epq: ${w}\n`);
  if (argv.json === true) print(JSON.stringify(report, null, 2));
  else if ('installed' in report) {
    if (report['installed']) print(`installed definitions sequence ${String(report['sequence'])} (${report['certified'] ? 'certified' : 'not certified'}, created ${String(report['created'])}): ${String(report['signatureCount'])} signatures; was sequence ${String(report['previousSequence'])}`);
    else process.stderr.write(`REFUSED ${String(report['package'])}: ${String(report['reason'])} (sequence ${String(report['activeSequence'])} stays active)\n`);
  } else if ('rolledBack' in report) {
    if (report['rolledBack']) print(`rolled back definitions from sequence ${String(report['from'])} to ${String(report['sequence'])} (${report['certified'] ? 'certified' : 'not certified'}, created ${String(report['created'])})`);
    else process.stderr.write(`REFUSED rollback: ${String(report['reason'])}\n`);
  } else if (report['result'] === 'no-source') {
    process.stderr.write(`epq: the running agent has ${String(report['reason'])}\n`);
  } else print(describeCheck(report as unknown as CheckResult));
  return report.ok ? EXIT_CLEAN : EXIT_ERROR;
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
 * `epq defs list`. With trusted keys configured the active set is loaded and verified (a stored
 * set that fails shows as such); without, the listing says what active.json names, unverified.
 * @throws as runInstall.
 */
export async function runList(argv: Record<string, unknown>): Promise<number> {
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
    printJson({ store: store.dir, keep: store.keep, verified, active, pointer, sets, lastCheck });
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
  return `${mark} ${seq}  ${s.active ? 'active' : 'kept  '}  created ${formatLocalTime(s.created ?? '')}  ${s.certified ? 'certified    ' : 'not certified'}  ` +
    `${s.signatureCount} signatures  ${origin}  key ${s.keyId}  ${s.size} bytes${pointed}`;
}

function describeCheck(r: CheckResult): string {
  const at = `${formatLocalTime(r.checkedAt)} from ${r.source}`;
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

/** One line for people: a line break inside a value shows as `\n` (printable.ts). */
function print(text: string): void {
  writeLine(process.stdout, text);
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
