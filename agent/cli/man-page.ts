import type { OptionSpec } from '../options/option-spec.js';
import type { CommandHelp } from './command-help.js';
import { EXIT_CLEAN, EXIT_DETECTIONS, EXIT_ERROR } from './exit-codes.js';

export interface ManPageInput {
  readonly version: string;
  /** Every command's help, as yargs renders it from the option tables. */
  readonly commands: readonly CommandHelp[];
  /** The config keys (the agent's option table). */
  readonly configOptions: readonly OptionSpec[];
}

const EXIT_STATUS: readonly [number, string][] = [
  [EXIT_CLEAN, 'Success; for a scan: nothing found.'],
  [EXIT_DETECTIONS, 'A scan found at least one threat (even if some files could not be read).'],
  [EXIT_ERROR, 'An error: a usage error, a file or folder that could not be read (and no detections), a refused update, an unreachable server.'],
];

const ENVIRONMENT: readonly [string, string][] = [
  ['EPQ_CONFIG', 'The config file when --config is not given (else /etc/epq/agent.json if it exists, else built-in defaults).'],
  ['EPQ_STATE_DIR', 'The state folder when neither --state-dir nor stateDir in the config says.'],
  ['HTTPS_PROXY, HTTP_PROXY, NO_PROXY', 'Proxy of LiveUpdate and the forwarder when network.proxy is null (lower-case names are read first).'],
  ['EPQ_DEBUG', 'When set, errors are printed with their stack.'],
];

/** Text for roff: backslashes and minus signs escaped, no line starting with a control character. */
function roff(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .split('\n')
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n');
}

function describeDefault(spec: OptionSpec): string {
  if (spec.defaultText) return spec.defaultText;
  if (spec.default === undefined) return 'none';
  return JSON.stringify(spec.default);
}

function renderConfig(specs: readonly OptionSpec[]): string[] {
  const lines: string[] = [];
  for (const spec of specs) {
    lines.push('.TP', `.B ${roff(spec.key)}${spec.flag ? ` " (\\-\\-${roff(spec.flag)})"` : ''}`);
    lines.push(roff(`${spec.help}. Type: ${spec.type}${spec.nullable ? ' or null' : ''}${spec.choices ? ` (${spec.choices.join(', ')})` : ''}; default: ${describeDefault(spec)}.`));
  }
  return lines;
}

/**
 * The `epq(1)` manual page in roff, from the same tables as --help and the config validation:
 * every command with its flags, every config key, the exit codes. Pure; never throws.
 */
export function renderManPage(input: ManPageInput): string {
  const lines: string[] = [
    `.TH EPQ 1 "" "epq ${roff(input.version)}" "User Commands"`,
    '.SH NAME',
    'epq \\- endpoint anti\\-malware agent for Linux: scanning, encrypted local quarantine, silent restore of false positives',
    '.SH SYNOPSIS',
    '.B epq',
    '.I command',
    '[options]',
    '.SH DESCRIPTION',
    roff('epq scans files with ClamAV-compatible signatures, takes detections and their side effects into an encrypted quarantine, forwards them to a Central Quarantine, and restores them silently when new definitions no longer detect them. The resident agent (epq agent, run by epq-agent.service) watches folders on access and applies LiveUpdate definitions.'),
    '.SH COMMANDS',
  ];
  for (const c of input.commands) {
    lines.push(`.SS ${c.path.length === 0 ? 'epq' : roff(`epq ${c.path.join(' ')}`)}`, '.nf', roff(c.text.trimEnd()), '.fi');
  }
  lines.push('.SH CONFIGURATION', roff('The agent reads a JSON config file (see --config). Keys are dotted paths into it; a flag, where there is one, overrides the key for one run.'));
  lines.push(...renderConfig(input.configOptions));
  lines.push('.SH EXIT STATUS');
  for (const [code, meaning] of EXIT_STATUS) lines.push('.TP', `.B ${code}`, roff(meaning));
  lines.push('.SH ENVIRONMENT');
  for (const [name, meaning] of ENVIRONMENT) lines.push('.TP', `.B ${roff(name)}`, roff(meaning));
  lines.push(
    '.SH FILES',
    '.TP', '.B /etc/epq/agent.json', 'The agent\'s config.',
    '.TP', '.B /var/lib/epq', 'State: quarantine, definitions sets, database (root only).',
    '.TP', '.B /var/log/epq/epq.log', 'The agent\'s log (JSON lines).',
    '.SH SEE ALSO',
    '.BR clamscan (1),',
    '.BR freshclam (1),',
    '.BR systemctl (1)',
  );
  return `${lines.join('\n')}\n`;
}
