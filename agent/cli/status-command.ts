import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { readStatusFile } from '../daemon/agent-status-file.js';
import { countForwardBacklog } from '../forward/outbox.js';
import { toYargsOptions } from '../options/option-spec.js';
import { JSON_OUTPUT_OPTION } from '../options/scan-options.js';
import { QuarantineRecords } from '../quarantine/quarantine-records.js';
import { readAgentStatus } from '../runtime/index.js';
import { formatBytes } from '../scan/format.js';
import { openDatabase } from '../store/open-database.js';
import { DefinitionsStore } from '../updates/definitions-store.js';
import { readLastCheck } from '../updates/update-source.js';
import { contextYargsOptions, loadCommandConfig } from './agent-context.js';
import type { SetExit } from './commands.js';
import { EXIT_CLEAN } from './exit-codes.js';

/** Everything `epq status` reports, read from the state folder (the agent need not run). */
export interface StatusReport {
  readonly running: boolean;
  readonly pid: number | null;
  readonly stateDir: string;
  readonly definitions: { readonly sequence: number; readonly switchedAt: string | null; readonly label: string };
  readonly lastUpdateCheck: { readonly at: string; readonly result: string; readonly reason?: string } | null;
  readonly watched: readonly string[];
  readonly quarantine: { readonly items: number; readonly bytes: number };
  readonly forwardBacklog: number | null;
}

async function collectStatus(argv: Record<string, unknown>): Promise<StatusReport> {
  const config = await loadCommandConfig(argv);
  const agent = await readAgentStatus(config.stateDir);
  const published = await readStatusFile(config.stateDir);
  const store = await DefinitionsStore.open(config.stateDir).catch(() => null);
  const pointer = store ? await store.readPointer().catch(() => null) : null;
  const check = store ? await readLastCheck(store).catch(() => null) : null;
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
    running: agent.running,
    pid: agent.pid ?? null,
    stateDir: config.stateDir,
    definitions: pointer
      ? { sequence: pointer.sequence, switchedAt: pointer.switchedAt, label: published?.definitions.label ?? `definitions sequence ${pointer.sequence}` }
      : { sequence: 0, switchedAt: null, label: 'built-in definitions (sequence 0)' },
    lastUpdateCheck: check ? { at: check.checkedAt, result: check.result, ...(check.reason !== undefined && { reason: check.reason }) } : null,
    watched: published?.watched ?? config.watch.paths,
    quarantine: { items: totals.count, bytes: totals.bytes },
    forwardBacklog: config.central.url ? backlog : null,
  };
}

/** `epq status`: is the agent running, which definitions, last update check, quarantine size. */
export function registerStatusCommand(parser: Argv, setExit: SetExit): void {
  parser.command('status', 'Show the agent\'s state: running, definitions, last update, quarantine', (y) => y.options(toYargsOptions([JSON_OUTPUT_OPTION])).options(contextYargsOptions()), async (argv) => {
    const s = await collectStatus(argv as Record<string, unknown>);
    if ((argv as { json?: boolean }).json) {
      process.stdout.write(`${JSON.stringify(s)}\n`);
    } else {
      const check = s.lastUpdateCheck;
      process.stdout.write([
        `Agent:              ${s.running ? `running (pid ${s.pid})` : 'not running'}`,
        `State folder:       ${s.stateDir}`,
        `Definitions:        ${s.definitions.label}${s.definitions.switchedAt ? `, active since ${s.definitions.switchedAt}` : ''}`,
        `Last update check:  ${check ? `${check.at}: ${check.result}${check.reason ? ` (${check.reason})` : ''}` : 'never'}`,
        `Protected folders:  ${s.watched.join(', ') || 'none'}`,
        `Quarantine:         ${s.quarantine.items} item(s), ${formatBytes(s.quarantine.bytes)}`,
        `Waiting to forward: ${s.forwardBacklog === null ? 'forwarding not configured' : s.forwardBacklog}`,
        '',
      ].join('\n'));
    }
    setExit(EXIT_CLEAN);
  });
}
