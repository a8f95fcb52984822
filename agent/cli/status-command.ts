import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { countForwardBacklog } from '../forward/outbox.js';
import { toYargsOptions } from '../options/option-spec.js';
import { JSON_OUTPUT_OPTION } from '../options/scan-options.js';
import { QuarantineRecords } from '../quarantine/quarantine-records.js';
import { formatBytes } from '../scan/format.js';
import { openDatabase } from '../store/open-database.js';
import { StatusReader, type AgentSummary } from '../status/status-reader.js';
import { contextYargsOptions, loadCommandConfig } from './agent-context.js';
import type { SetExit } from './commands.js';
import { EXIT_CLEAN } from './exit-codes.js';
import { formatLocalTime } from '../text/format-time.js';
import { writeLines } from '../text/terminal-lines.js';

/** Everything `epq status` reports, read from the state folder (the agent need not run). */
export interface StatusReport extends AgentSummary {
  readonly stateDir: string;
  readonly quarantine: { readonly items: number; readonly bytes: number };
  readonly forwardBacklog: number | null;
}

async function collectStatus(argv: Record<string, unknown>): Promise<StatusReport> {
  const config = await loadCommandConfig(argv);
  const summary = await new StatusReader(config).read();
  let totals = { count: 0, bytes: 0 };
  let backlog = 0;
  const dbPath = join(config.stateDir, 'agent.db');
  if (existsSync(dbPath)) {
    const db = openDatabase(dbPath);
    try {
      totals = new QuarantineRecords(db).totals();
      backlog = countForwardBacklog(db);
    } finally {
      db.close();
    }
  }
  return {
    ...summary,
    stateDir: config.stateDir,
    quarantine: { items: totals.count, bytes: totals.bytes },
    forwardBacklog: config.central.url ? backlog : null,
  };
}

function describeDefinitions(d: AgentSummary['definitions']): string {
  const name = d.builtin ? 'built-in definitions (sequence 0)' : `definitions sequence ${d.sequence}`;
  const created = d.created ? `, created ${formatLocalTime(d.created)}` : '';
  const since = d.switchedAt ? `, active since ${formatLocalTime(d.switchedAt)}` : '';
  return `${name}${created}${since}`;
}

/** `epq status`: is the agent running, which definitions, last update check, quarantine size. */
export function registerStatusCommand(parser: Argv, setExit: SetExit): void {
  parser.command('status', 'Show the agent\'s state: running, definitions, last update, quarantine', (y) => y.options(toYargsOptions([JSON_OUTPUT_OPTION])).options(contextYargsOptions()), async (argv) => {
    const s = await collectStatus(argv as Record<string, unknown>);
    if ((argv as { json?: boolean }).json) {
      process.stdout.write(`${JSON.stringify(s)}\n`);
    } else {
      const check = s.lastUpdateCheck;
      writeLines(process.stdout, [
        `Agent:              ${s.running ? `running (pid ${s.pid})` : 'not running'}`,
        `State folder:       ${s.stateDir}`,
        `Definitions:        ${describeDefinitions(s.definitions)}`,
        `Last update check:  ${check ? `${formatLocalTime(check.at)}: ${check.result}${check.reason ? ` (${check.reason})` : ''}` : 'never'}`,
        `Protected folders:  ${s.watched.join(', ') || 'none'}`,
        `Quarantine:         ${s.quarantine.items} item(s), ${formatBytes(s.quarantine.bytes)}`,
        `Waiting to forward: ${s.forwardBacklog === null ? 'forwarding not configured' : s.forwardBacklog}`,
      ]);
    }
    setExit(EXIT_CLEAN);
  });
}
