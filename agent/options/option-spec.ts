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
  switch (spec.type) {
    case 'string':
      if (typeof raw !== 'string') throw new OptionValueError(spec.key, raw, 'expected a string');
      if (spec.choices && !spec.choices.includes(raw)) {
        throw new OptionValueError(spec.key, raw, `expected one of ${spec.choices.join(', ')}`);
      }
      return raw;
    case 'number':
      if (typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw);
      if (typeof raw !== 'number' || !Number.isFinite(raw)) throw new OptionValueError(spec.key, raw, 'expected a number');
      return raw;
    case 'boolean':
      if (typeof raw !== 'boolean') throw new OptionValueError(spec.key, raw, 'expected true or false');
      return raw;
    case 'strings': {
      const list = typeof raw === 'string' ? [raw] : raw;
      if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) {
        throw new OptionValueError(spec.key, raw, 'expected a list of strings');
      }
      return list;
    }
    case 'size':
      return parseUnitValue(spec, raw, SIZE_UNITS, 'a size such as 500M or 1G');
    case 'duration':
      return parseUnitValue(spec, raw, DURATION_UNITS, 'a duration such as 30s, 5m or 1h');
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

/** Builds the yargs option table for the specs that have a flag. */
export function toYargsOptions(specs: readonly OptionSpec[]): Record<string, YargsOption> {
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
    if (spec.default !== undefined && spec.default !== null) option.default = spec.default;
    if (spec.choices) option.choices = [...spec.choices];
    out[spec.flag] = option;
  }
  return out;
}
