import { existsSync } from 'node:fs';
import { loadConfig, overridesFromArgv, type AgentConfig } from '../config/index.js';
import { AGENT_OPTIONS } from '../options/agent-options.js';
import { toYargsOptions, type OptionSpec } from '../options/option-spec.js';

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

export { openQuarantine, type QuarantineContext, type OpenQuarantineOptions } from '../endpoint/open-quarantine.js';
