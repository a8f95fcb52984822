import type { Options as YargsOption } from 'yargs';

/** Types a config value or flag can have; `size` takes 100M-style strings, `duration` 30s-style. */
export type OptionType = 'string' | 'number' | 'boolean' | 'strings' | 'size' | 'duration';

/**
 * The single definition of an option: it drives the yargs flag, the config-file validation and
 * the documentation table, so that the three cannot drift apart.
 */
export interface OptionSpec {
  /** Dotted key in the config file, e.g. `scan.maxFileSize`. */
  readonly key: string;
  /** Long CLI flag without dashes, e.g. `max-filesize`. Absent for config-only options. */
  readonly flag?: string;
  readonly alias?: string;
  readonly type: OptionType;
  readonly default: unknown;
  readonly help: string;
  readonly choices?: readonly string[];
  /** `null` is a valid value (meaning "not set"); config files may write it explicitly. */
  readonly nullable?: boolean;
  /** A default computed when the config is loaded (from the environment or earlier options). */
  readonly defaultFrom?: (context: DefaultContext) => unknown;
  /** How help and docs show a default that `defaultFrom` computes. */
  readonly defaultText?: string;
  /** Strings that are paths (resolved against the config file's folder) or http(s) URLs. */
  readonly format?: 'path' | 'url' | 'path-or-url';
  /** Bounds of a number, size or duration. */
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
  /** Never printed in full (tokens). */
  readonly secret?: boolean;
}

/** What a computed default may look at: the environment, the user, and options resolved before it. */
export interface DefaultContext {
  readonly env: NodeJS.ProcessEnv;
  /** Effective user id (-1 where there is none). */
  readonly uid: number;
  /** Values of the options listed before this one, by key. */
  readonly values: Readonly<Record<string, unknown>>;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, t: 1024 ** 4 };
const DURATION_UNITS: Record<string, number> = { ms: 1, '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Thrown when a flag or config value does not fit its option; names the key and the value. */
export class OptionValueError extends Error {
  constructor(readonly key: string, readonly value: unknown, reason: string) {
    super(`${key}: ${reason} (got ${JSON.stringify(value)})`);
    this.name = 'OptionValueError';
  }
}

/**
 * Converts a raw value (from a flag or a config file) to the option's type. The error names
 * `label`: the flag on the command line, the key in a config file.
 * @throws OptionValueError when the value does not fit.
 */
export function coerceOptionValue(spec: OptionSpec, raw: unknown, label = spec.key): unknown {
  const named = { ...spec, key: label };
  return coerceNamed(named, raw);
}

function coerceNamed(spec: OptionSpec, raw: unknown): unknown {
  if (raw === null && spec.nullable) return null;
  switch (spec.type) {
    case 'string':
      if (typeof raw !== 'string') throw new OptionValueError(spec.key, raw, `expected a string${spec.nullable ? ' or null' : ''}`);
      if (spec.choices && !spec.choices.includes(raw)) {
        throw new OptionValueError(spec.key, raw, `expected one of ${spec.choices.join(', ')}`);
      }
      checkFormat(spec, raw);
      return raw;
    case 'number':
      if (typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw))) return checkRange(spec, raw, Number(raw));
      if (typeof raw !== 'number' || !Number.isFinite(raw)) throw new OptionValueError(spec.key, raw, 'expected a number');
      return checkRange(spec, raw, raw);
    case 'boolean':
      if (typeof raw !== 'boolean') throw new OptionValueError(spec.key, raw, 'expected true or false');
      return raw;
    case 'strings': {
      const list = typeof raw === 'string' ? [raw] : raw;
      if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) {
        throw new OptionValueError(spec.key, raw, 'expected a list of strings');
      }
      for (const item of list) checkFormat(spec, item);
      return list;
    }
    case 'size':
      return checkRange(spec, raw, parseUnitValue(spec, raw, SIZE_UNITS, 'a size such as 500M or 1G'));
    case 'duration':
      return checkRange(spec, raw, parseUnitValue(spec, raw, DURATION_UNITS, 'a duration such as 30s, 5m or 1h'));
  }
}

function checkRange(spec: OptionSpec, raw: unknown, value: number): number {
  if (spec.integer && !Number.isInteger(value)) throw new OptionValueError(spec.key, raw, 'expected a whole number');
  if (spec.min !== undefined && value < spec.min) throw new OptionValueError(spec.key, raw, `expected at least ${spec.min}`);
  if (spec.max !== undefined && value > spec.max) throw new OptionValueError(spec.key, raw, `expected at most ${spec.max}`);
  return value;
}

const URL_LIKE = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;

function checkFormat(spec: OptionSpec, value: string): void {
  if (!spec.format) return;
  if (value.trim() === '') throw new OptionValueError(spec.key, value, `expected ${spec.format === 'url' ? 'a URL' : 'a path'}, not an empty string`);
  if (spec.format === 'path' || (spec.format === 'path-or-url' && !URL_LIKE.test(value))) return;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new OptionValueError(spec.key, value, `expected an http:// or https:// URL${spec.format === 'path-or-url' ? ' or a folder' : ''}`);
  }
}

function parseUnitValue(spec: OptionSpec, raw: unknown, units: Record<string, number>, what: string): number {
  if (typeof raw === 'number' && Number.isFinite(raw) && raw >= 0) return raw;
  if (typeof raw === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(raw);
    const unit = m ? units[m[2]!.toLowerCase()] : undefined;
    if (m && unit !== undefined) return Math.round(Number(m[1]) * unit);
  }
  throw new OptionValueError(spec.key, raw, `expected ${what}`);
}

/**
 * Builds the yargs option table for the specs that have a flag. With `defaults: false` a flag
 * that is not given stays undefined, so it can override a config file without masking it.
 */
export function toYargsOptions(specs: readonly OptionSpec[], { defaults = true } = {}): Record<string, YargsOption> {
  const out: Record<string, YargsOption> = {};
  for (const spec of specs) {
    if (!spec.flag) continue;
    const option: YargsOption = {
      describe: spec.help,
      // A list is a repeatable string flag: yargs' greedy arrays would swallow positional paths.
      type: spec.type === 'boolean' ? 'boolean' : spec.type === 'number' ? 'number' : 'string',
      coerce: (value: unknown) => (value === undefined ? value : coerceOptionValue(spec, value, `--${spec.flag}`)),
    };
    if (spec.alias) option.alias = spec.alias;
    if (defaults && spec.default !== undefined && spec.default !== null) option.default = spec.default;
    if (spec.defaultText) option.defaultDescription = spec.defaultText;
    if (spec.choices) option.choices = [...spec.choices];
    out[spec.flag] = option;
  }
  return out;
}
