/**
 * Loads the agent's configuration: built-in defaults, then a JSON config file, then command-line
 * overrides, each value checked against its option spec.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { AGENT_OPTIONS, homeFolder } from '../options/agent-options.js';
import { coerceOptionValue, OptionValueError, type OptionSpec } from '../options/option-spec.js';
import type { AgentConfig } from './agent-config.js';
import { suggestionText } from './closest-key.js';
import { ConfigError } from './config-error.js';

export interface LoadConfigOptions {
  /** JSON config file; when given it must exist. Without it, the built-in defaults are used. */
  readonly file?: string;
  /** Values by dotted key that win over the file (command-line flags); see `overridesFromArgv`. */
  readonly overrides?: Readonly<Record<string, unknown>>;
  /** Environment for computed defaults (EPQ_STATE_DIR, HOME, XDG_STATE_HOME); default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

const SPECS_BY_KEY = new Map(AGENT_OPTIONS.map((spec) => [spec.key, spec]));
/** Section names (`watch`, `quarantine`, ...) mapped to the names they contain. */
const SECTIONS = sectionsOf(AGENT_OPTIONS);

/**
 * Reads, validates and resolves the configuration.
 * @throws ConfigError naming the file and the key: missing or unreadable file, bad JSON, unknown
 *   key (with the closest known one), a value of the wrong type or out of range.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<AgentConfig> {
  const env = options.env ?? process.env;
  const file = options.file === undefined ? null : resolve(options.file);
  const fromFile = file === null ? new Map<string, unknown>() : flattenConfig(await readConfigJson(file), file);
  const overrides = options.overrides ?? {};
  for (const key of Object.keys(overrides)) {
    if (!SPECS_BY_KEY.has(key)) throw new ConfigError(`unknown option "${key}"${suggestionText(key, [...SPECS_BY_KEY.keys()])}`, null, key);
  }

  const uid = process.getuid?.() ?? -1;
  const values: Record<string, unknown> = {};
  for (const spec of AGENT_OPTIONS) {
    let value: unknown;
    if (overrides[spec.key] !== undefined) {
      const label = spec.flag ? `--${spec.flag}` : spec.key;
      value = resolvePaths(spec, coerce(spec, overrides[spec.key], label, null), process.cwd(), env);
    } else if (fromFile.has(spec.key)) {
      const raw = fromFile.get(spec.key);
      checkUnitGiven(spec, raw, file);
      value = resolvePaths(spec, coerce(spec, raw, spec.key, file), dirname(file!), env);
    } else if (spec.defaultFrom) {
      value = resolvePaths(spec, spec.defaultFrom({ env, uid, values }), process.cwd(), env);
    } else {
      value = spec.default;
    }
    values[spec.key] = value;
  }
  return deepFreeze(nest({ configFile: file }, values)) as unknown as AgentConfig;
}

/**
 * The overrides that a parsed command line gives: each flag of an agent option that was given,
 * by its dotted key. Flags in `specs` that are not agent options (such as `--config`) are left
 * out. Build the flags with `toYargsOptions(specs, { defaults: false })` so that a flag left out
 * does not mask the config file.
 */
export function overridesFromArgv(argv: Readonly<Record<string, unknown>>, specs: readonly OptionSpec[] = AGENT_OPTIONS): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of specs) {
    if (!spec.flag || !SPECS_BY_KEY.has(spec.key) || argv[spec.flag] === undefined) continue;
    // A flag can only carry text: `--log-file null` means null, as the option's help says.
    const value = argv[spec.flag];
    out[spec.key] = spec.nullable && value === 'null' ? null : value;
  }
  return out;
}

async function readConfigJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'config file not found' : code === 'EISDIR' ? 'config file is a folder' : 'cannot read config file';
    throw new ConfigError(`${reason}: ${file}${code === 'ENOENT' || code === 'EISDIR' ? '' : ` (${(err as Error).message})`}`, file, null, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${withLineColumn((err as Error).message, text)}`, file, null, { cause: err });
  }
}

/** Adds "line L column C" to V8's "at position N" when the message lacks it. */
function withLineColumn(message: string, text: string): string {
  const m = /at position (\d+)/.exec(message);
  if (!m || /line \d+/.test(message)) return message;
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  const column = Number(m[1]) - before.lastIndexOf('\n');
  return `${message} (line ${line} column ${column})`;
}

/**
 * Walks the parsed file: known sections are objects, known options are values, anything else
 * is an unknown key. Keys starting with "//" are comments.
 */
function flattenConfig(json: unknown, file: string): Map<string, unknown> {
  if (!isPlainObject(json)) throw new ConfigError(`config file ${file}: expected a JSON object ({...}) at the top`, file, null);
  const out = new Map<string, unknown>();
  const walk = (object: Record<string, unknown>, prefix: string): void => {
    for (const [name, value] of Object.entries(object)) {
      if (name.startsWith('//')) continue;
      const key = prefix === '' ? name : `${prefix}.${name}`;
      if (name.includes('.')) {
        const parts = name.split('.');
        const nested = parts.reduceRight((inner, part) => `{"${part}": ${inner}}`, '...');
        throw new ConfigError(`config file ${file}: unknown key "${key}": dots in a key are nesting, write ${nested}`, file, key);
      }
      if (SPECS_BY_KEY.has(key)) {
        out.set(key, value);
      } else if (SECTIONS.has(key)) {
        if (!isPlainObject(value)) {
          const names = [...SECTIONS.get(key)!].join(', ');
          throw new ConfigError(`config file ${file}: ${key}: expected an object with keys ${names} (got ${JSON.stringify(value)})`, file, key);
        }
        walk(value, key);
      } else {
        const hint = suggestionText(key, [...SPECS_BY_KEY.keys()]);
        throw new ConfigError(`config file ${file}: unknown key "${key}"${hint}`, file, key);
      }
    }
  };
  walk(json, '');
  return out;
}

function coerce(spec: OptionSpec, raw: unknown, label: string, file: string | null): unknown {
  try {
    return coerceOptionValue(spec, raw, label);
  } catch (err) {
    if (!(err instanceof OptionValueError)) throw err;
    throw new ConfigError(file === null ? err.message : `config file ${file}: ${err.message}`, file, spec.key, { cause: err });
  }
}

/** A bare number of milliseconds (or seconds, as a string) is a likely mistake in a file: ask for a unit. */
function checkUnitGiven(spec: OptionSpec, raw: unknown, file: string | null): void {
  if (spec.type !== 'duration') return;
  const bare = typeof raw === 'number' || (typeof raw === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(raw));
  if (bare && Number(raw) !== 0) {
    throw new ConfigError(`config file ${file}: ${spec.key}: expected a duration with a unit such as "200ms", "30s", "5m", "1h" or "90d" (got ${JSON.stringify(raw)})`, file, spec.key);
  }
}

const URL_LIKE = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;

/** Makes path values absolute: `~/x` from the home folder, relative ones from `base`. */
function resolvePaths(spec: OptionSpec, value: unknown, base: string, env: NodeJS.ProcessEnv): unknown {
  if (!spec.format || spec.format === 'url' || value === null || value === undefined) return value;
  const one = (path: string): string => {
    if (spec.format === 'path-or-url' && URL_LIKE.test(path)) return path;
    if (path === '~') return homeFolder(env);
    if (path.startsWith('~/')) return join(homeFolder(env), path.slice(2));
    return resolve(base, path);
  };
  return Array.isArray(value) ? value.map((p: string) => one(p)) : one(value as string);
}

function sectionsOf(specs: readonly OptionSpec[]): Map<string, Set<string>> {
  const sections = new Map<string, Set<string>>();
  for (const { key } of specs) {
    const parts = key.split('.');
    for (let i = 1; i < parts.length; i++) {
      const section = parts.slice(0, i).join('.');
      if (!sections.has(section)) sections.set(section, new Set());
      sections.get(section)!.add(parts[i]!);
    }
  }
  return sections;
}

function nest(base: Record<string, unknown>, values: Record<string, unknown>): Record<string, unknown> {
  const root: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(values)) {
    const parts = key.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]!] = Array.isArray(value) ? [...value] : value;
  }
  return root;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
