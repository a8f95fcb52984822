/** Printing the configuration: the lines shown at start, and the options table of the docs. */
import { AGENT_OPTIONS } from '../options/agent-options.js';
import type { OptionSpec } from '../options/option-spec.js';
import type { AgentConfig } from './agent-config.js';

const SIZE_STEPS: readonly [string, number][] = [['T', 1024 ** 4], ['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]];
const DURATION_STEPS: readonly [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];

/** Bytes in the largest unit that divides them: 524288000 -> "500M"; 0 -> "0". */
export function formatSize(bytes: number): string {
  for (const [unit, factor] of SIZE_STEPS) if (bytes > 0 && bytes % factor === 0) return `${bytes / factor}${unit}`;
  return String(bytes);
}

/** Milliseconds in the largest unit that divides them: 7776000000 -> "90d", 200 -> "200ms"; 0 -> "0". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  for (const [unit, factor] of DURATION_STEPS) if (ms % factor === 0) return `${ms / factor}${unit}`;
  return `${ms}ms`;
}

/** One value as a person would write it in the config file. */
export function formatOptionValue(spec: OptionSpec, value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (spec.secret) return '(set)';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.join(', ');
  if (spec.type === 'size') return formatSize(value as number);
  if (spec.type === 'duration') return formatDuration(value as number);
  return String(value);
}

/** The value at a dotted key of a nested object. */
export function valueAt(config: unknown, key: string): unknown {
  let node: unknown = config;
  for (const part of key.split('.')) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
  return node;
}

/** Lines to print when the agent starts: where the config came from, then every option. */
export function describeConfig(config: AgentConfig, specs: readonly OptionSpec[] = AGENT_OPTIONS): string[] {
  const width = Math.max(...specs.map((s) => s.key.length), 'config file'.length);
  return [
    `${'config file'.padEnd(width)}  ${config.configFile ?? 'none (built-in defaults)'}`,
    ...specs.map((spec) => `${spec.key.padEnd(width)}  ${formatOptionValue(spec, valueAt(config, spec.key))}`),
  ];
}

const FORMAT_TEXT = { path: ['path', 'list of paths'], url: ['URL', 'list of URLs'], 'path-or-url': ['folder or URL', 'list of folders or URLs'] } as const;

function typeText(spec: OptionSpec): string {
  const list = spec.type === 'strings';
  const base = spec.choices ? spec.choices.join('\\|')
    : spec.format ? FORMAT_TEXT[spec.format][list ? 1 : 0]
    : list ? 'list of strings' : spec.type;
  return spec.nullable ? `${base} or null` : base;
}

function defaultText(spec: OptionSpec): string {
  if (spec.defaultText) return spec.defaultText;
  if (Array.isArray(spec.default) && spec.default.length === 0) return 'none';
  if (spec.default === null) return 'null';
  return formatOptionValue(spec, spec.default);
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (text: string): string => (text === '' ? '' : `\`${text}\``);

/**
 * The options as a Markdown table (key, flag, type, default, meaning), the form the README shows,
 * so a test can check that the README says what the registry says.
 */
export function renderOptionsMarkdown(specs: readonly OptionSpec[] = AGENT_OPTIONS): string {
  const rows = specs.map((spec) => [
    code(spec.key),
    spec.flag ? code(`--${spec.flag}`) : '',
    typeText(spec),
    code(cell(defaultText(spec))),
    cell(spec.help),
  ]);
  return [
    '| key | flag | type | default | meaning |',
    '|---|---|---|---|---|',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}
