/** The flags of `epq defs ...`, and the yargs shapes they need. */
import type { Options as YargsOption } from 'yargs';
import { toYargsOptions, type OptionSpec } from '../options/option-spec.js';
import { JSON_OUTPUT_OPTION } from '../options/scan-options.js';

export { TRUSTED_KEYS_OPTION } from '../options/trusted-keys-option.js';
import { TRUSTED_KEYS_OPTION } from '../options/trusted-keys-option.js';

// Flags of the publisher commands only; they have no config-file counterpart.
export const KEYGEN_OPTIONS: readonly OptionSpec[] = [
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
export const SHOW_OPTIONS: readonly OptionSpec[] = [JSON_OUTPUT_OPTION];

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
export const SOURCE_OPTIONS: readonly OptionSpec[] = [
  { key: 'definitions.source', flag: 'source', type: 'string', default: undefined, help: 'Folder or http(s) URL to update from (config definitions.source)' },
  { key: 'defs.update.timeout', flag: 'timeout', type: 'duration', default: undefined, help: 'Deadline of each HTTP request, e.g. 30s (default 30s)' },
];

/** The store flags, --json and an optional --pub, as yargs options. */
export function makeStoreOptions(): Record<string, YargsOption> {
  const pub = makePubOptions().pub!;
  return { ...toYargsOptions([...STORE_OPTIONS, JSON_OUTPUT_OPTION]), pub: { ...pub, demandOption: false } };
}

/** `--pub` may be repeated; as a yargs string (not array) it can't swallow the positional FILE. */
export function makePubOptions(): Record<string, YargsOption> {
  const options = toYargsOptions([TRUSTED_KEYS_OPTION]);
  return { pub: { ...options.pub, type: 'string', requiresArg: true } };
}

/** yargs turns a non-numeric `--sequence` into NaN; keep the text so the error can quote it. */
export function makeBuildOptions(): Record<string, YargsOption> {
  const options = toYargsOptions(BUILD_OPTIONS);
  return { ...options, sequence: { ...options.sequence, type: 'string' } };
}

/** A copy of `options` in which yargs demands each of `names`. */
export function markRequired(options: Record<string, YargsOption>, names: readonly string[]): Record<string, YargsOption> {
  const out = { ...options };
  for (const name of names) out[name] = { ...out[name], demandOption: true };
  return out;
}

/** yargs gives a string for one `--pub` and an array for several. */
export function toList(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}
