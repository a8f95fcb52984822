import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Argv } from 'yargs';
import { connectAgent } from '../control/control-client.js';
import { RemoteEndpoint } from '../control/remote-endpoint.js';
import { readDiskStatus } from '../endpoint/disk-status.js';
import { judgeHealth, type EndpointStatus, type Verdict } from '../endpoint/endpoint-status.js';
import { toYargsOptions } from '../options/option-spec.js';
import { JSON_OUTPUT_OPTION } from '../options/scan-options.js';
import { formatBytes } from '../scan/format.js';
import { contextYargsOptions, loadCommandConfig } from './agent-context.js';
import type { SetExit } from './commands.js';
import { EXIT_CLEAN, EXIT_DETECTIONS, EXIT_ERROR } from './exit-codes.js';
import { formatLocalTime } from '../text/format-time.js';
import { printable } from '../text/printable.js';
import { writeBlock, writeLine } from '../text/terminal-lines.js';

/** Exit codes of `epq status`, like `mdatp health`. */
const EXIT_HEALTHY = EXIT_CLEAN;
const EXIT_ATTENTION = EXIT_DETECTIONS;
const EXIT_CANNOT_TELL = EXIT_ERROR;

type StatusOutcome = { readonly status: EndpointStatus; readonly verdict: Verdict } | { readonly status: null; readonly verdict: Verdict };

/** Asks the running agent; without one, reads the state folder; unreadable: cannot tell, said so. */
async function collectStatus(argv: Record<string, unknown>): Promise<StatusOutcome> {
  const config = await loadCommandConfig(argv);
  try {
    await access(config.stateDir, constants.R_OK | constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      return { status: null, verdict: { health: 'unknown', reasons: [`permission denied on the state folder ${config.stateDir}: run as root or the agent's user`] } };
    }
    if (code !== 'ENOENT') return { status: null, verdict: { health: 'unknown', reasons: [`cannot read the state folder ${config.stateDir}: ${(err as Error).message}`] } };
  }
  const client = await connectAgent(config.stateDir);
  let status: EndpointStatus;
  if (client) {
    try {
      status = await new RemoteEndpoint(client).status();
    } finally {
      client.close();
    }
  } else status = await readDiskStatus(config);
  return { status, verdict: judgeHealth(status, Date.now()) };
}

function describeDefinitions(d: EndpointStatus['definitions']): string {
  const name = d.builtin ? 'built-in definitions (sequence 0)' : `definitions sequence ${d.sequence}`;
  const created = d.created ? `, created ${formatLocalTime(d.created)}` : '';
  const certified = d.certified === null ? '' : d.certified ? ', certified' : ', not certified';
  const since = d.switchedAt ? `, active since ${formatLocalTime(d.switchedAt)}` : '';
  return `${name}${created}${since}${certified}`;
}

function describeVerdict(v: Verdict): string {
  if (v.health === 'healthy') return 'healthy';
  if (v.health === 'attention') return `attention: ${v.reasons.join('; ')}`;
  return `cannot tell: ${v.reasons.join('; ')}`;
}

function render(s: EndpointStatus, verdict: Verdict): string {
  const check = s.lastUpdateCheck;
  return [
    `Agent:              ${s.running ? `running (pid ${s.pid})` : 'not running'}`,
    `State folder:       ${printable(s.stateDir)}`,
    `Definitions:        ${describeDefinitions(s.definitions)}`,
    `Last update check:  ${check ? `${formatLocalTime(check.at)}: ${check.result}${check.reason ? ` (${check.reason})` : ''}` : 'never'}`,
    `Protected folders:  ${s.watched.map((w) => printable(w)).join(', ') || 'none'}`,
    `Waiting to scan:    ${s.queued === null ? 'agent not running' : s.queued}`,
    `Quarantine:         ${s.quarantine.items} item(s), ${formatBytes(s.quarantine.bytes)}`,
    `Waiting to forward: ${s.forwarding.backlog === null ? 'forwarding not configured' : `${s.forwarding.backlog} (to ${s.forwarding.url})`}`,
    `Health:             ${printable(describeVerdict(verdict))}`,
    '',
  ].join('\n');
}

/**
 * `epq status`: what the running agent really uses (asked through its socket), or what the state
 * folder holds when none runs, and a verdict. Exit 0 healthy, 1 attention, 2 cannot tell.
 */
export function registerStatusCommand(parser: Argv, setExit: SetExit): void {
  parser.command('status', 'Show the agent\'s state and a health verdict (exit 0 healthy, 1 attention, 2 cannot tell)', (y) => y.options(toYargsOptions([JSON_OUTPUT_OPTION])).options(contextYargsOptions()), async (argv) => {
    const { status, verdict } = await collectStatus(argv as Record<string, unknown>);
    if ((argv as { json?: boolean }).json) process.stdout.write(`${JSON.stringify({ ...status, health: verdict.health, reasons: verdict.reasons })}\n`);
    else if (status) writeBlock(process.stdout, render(status, verdict));
    else writeLine(process.stdout, `Health:             ${describeVerdict(verdict)}`);
    setExit(verdict.health === 'healthy' ? EXIT_HEALTHY : verdict.health === 'attention' ? EXIT_ATTENTION : EXIT_CANNOT_TELL);
  });
}
