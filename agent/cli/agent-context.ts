import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { loadConfig, overridesFromArgv, type AgentConfig } from '../config/index.js';
import type { EventSink } from '../events/agent-event.js';
import { ExceptionList } from '../exceptions/exception-list.js';
import { AGENT_OPTIONS } from '../options/agent-options.js';
import { toYargsOptions, type OptionSpec } from '../options/option-spec.js';
import { QuarantineStore } from '../quarantine/quarantine-store.js';
import { recoverStore } from '../quarantine/recover.js';
import { createSideEffectPort } from '../quarantine/side-effect-adapter.js';
import { userNamesFrom } from '../quarantine/user-names.js';
import { findOrphans, listPackageFiles } from '../quarantine/orphan-packages.js';
import { QuarantineError } from '../quarantine/quarantine-errors.js';
import { DatabaseError } from '../store/open-database.js';
import { setAsideDatabase } from '../store/set-aside-database.js';

/** The system-wide config the installer writes; used when no --config is given. */
export const DEFAULT_CONFIG_FILE = '/etc/epq/agent.json';

export const CONFIG_FILE_OPTION: OptionSpec = {
  key: 'configFile',
  flag: 'config',
  type: 'string',
  default: undefined,
  help: `Agent config file (JSON); default $EPQ_CONFIG, else ${DEFAULT_CONFIG_FILE} if it exists, else built-in defaults`,
};

/** Flags every command that works on the agent's state accepts. */
export const CONTEXT_OPTIONS: readonly OptionSpec[] = [
  CONFIG_FILE_OPTION,
  ...AGENT_OPTIONS.filter((o) => o.key === 'stateDir' || o.key === 'root'),
];

/**
 * Loads the config the way every command does (flag > $EPQ_CONFIG > the installed file >
 * built-in defaults) with --state-dir/--root overrides.
 * @throws ConfigError naming the file and key.
 */
export async function loadCommandConfig(argv: Readonly<Record<string, unknown>>, specs: readonly OptionSpec[] = CONTEXT_OPTIONS): Promise<AgentConfig> {
  const given = (argv['config'] as string | undefined) ?? process.env['EPQ_CONFIG'];
  const file = given ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  return loadConfig({ ...(file !== undefined && { file }), overrides: overridesFromArgv(argv, specs.filter((s) => s !== CONFIG_FILE_OPTION)) });
}

/** The context flags for yargs, without defaults so that an absent flag never masks the config file. */
export function contextYargsOptions(): ReturnType<typeof toYargsOptions> {
  return toYargsOptions(CONTEXT_OPTIONS, { defaults: false });
}

export interface QuarantineContext {
  readonly config: AgentConfig;
  readonly store: QuarantineStore;
  readonly exceptions: ExceptionList;
  close(): void;
}

export interface OpenQuarantineOptions {
  /** For `quarantine rebuild`: a damaged database is set aside; told the new names. */
  readonly setAsideDamaged?: (moved: string[]) => void;
  /** The command only reads: it still works when the state folder's disk is full. */
  readonly readOnly?: boolean;
}

/**
 * Opens the quarantine of the configured state folder, finishing anything a crash interrupted.
 * With `setAsideDamaged`, a damaged database is renamed aside (see `setAsideDatabase`) and a
 * fresh one created, the new names going to `onSetAside`: only for `quarantine rebuild`, which
 * then gives the packages their records back.
 * @throws ConfigError, DatabaseError, QuarantineError naming what is unusable; a damaged database
 *   while packages are held is a QuarantineError that says how to rebuild.
 */
export async function openQuarantine(config: AgentConfig, events?: EventSink, how: OpenQuarantineOptions = {}): Promise<QuarantineContext> {
  const { setAsideDamaged, readOnly = false } = how;
  const options = {
    readOnly,
    stateDir: config.stateDir,
    root: config.root,
    computer: hostname(),
    userNameOf: userNamesFrom(config.root),
    sideEffects: createSideEffectPort(config.root),
    ...(events && { events }),
  };
  let store: QuarantineStore;
  try {
    store = new QuarantineStore(options);
  } catch (err) {
    if (!(err instanceof DatabaseError) || !err.damaged) throw err;
    if (setAsideDamaged) {
      setAsideDamaged(setAsideDatabase(err.path));
      store = new QuarantineStore(options);
    } else {
      const held = listPackageFiles(join(config.stateDir, 'quarantine', 'blobs')).length;
      if (held === 0) throw err;
      throw new QuarantineError('content', `${err.message}. The ${held} quarantine package(s) are safe and describe themselves: ` +
        '`epq quarantine rebuild` sets the damaged database aside (renamed, not deleted) and rebuilds the quarantine records from them', { path: err.path }, { cause: err });
    }
  }
  // Opened read-only because its disk is full: nothing can be finished now; the next command that
  // can write does it.
  if (store.db.pragma('query_only', { simple: true }) !== 1) await recoverStore(store);
  // The agent has no terminal to tell: packages without records (a lost database) go to its log.
  const orphans = events ? findOrphans(store).length : 0;
  if (orphans > 0) {
    events!({ name: 'sample processing error', severity: 'error',
      message: `${orphans} quarantine package(s) in ${store.blobDir} have no record (the quarantine database was lost or replaced); run \`epq quarantine rebuild\``,
      data: { orphans, folder: store.blobDir } });
  }
  const exceptions = new ExceptionList(store.db);
  return { config, store, exceptions, close: () => store.close() };
}
