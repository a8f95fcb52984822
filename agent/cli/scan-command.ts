import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { toYargsOptions, type OptionSpec } from '../options/option-spec.js';
import { JSON_OUTPUT_OPTION, SCAN_OPTIONS, SCAN_SOURCE_OPTIONS } from '../options/scan-options.js';
import { TRUSTED_KEYS_OPTION } from '../options/trusted-keys-option.js';
import { connectAgent } from '../control/control-client.js';
import { ControlError } from '../control/protocol.js';
import { RemoteEndpoint } from '../control/remote-endpoint.js';
import type { ScanReport } from '../endpoint/endpoint-api.js';
import { contextYargsOptions, loadCommandConfig } from './agent-context.js';
import { pickArchiveSettings, type ArchiveSettings } from '../scan/archive-settings.js';
import type { SetExit } from './commands.js';
import { EXIT_CLEAN, EXIT_DETECTIONS, EXIT_ERROR } from './exit-codes.js';
import { describeNote, describeWhere, formatScanSummary } from './scan-report.js';
import { writeBlock, writeLine } from '../text/terminal-lines.js';

const ACTION_OPTION: OptionSpec = {
  key: 'scan.action', flag: 'action', type: 'string', choices: ['report', 'quarantine'], default: 'report',
  help: 'What to do with a detection: report it, or move it and its side effects into the quarantine',
};

export interface ScanArgs extends Record<string, unknown> {
  paths: string[];
  json: boolean;
  action: 'report' | 'quarantine';
  exclude: string[];
  'max-filesize': number;
  'follow-symlinks': boolean;
  jobs: number;
  'scan-archive': boolean;
  'max-scansize': number;
  'max-member-size': number;
  'max-files': number;
  'max-recursion': number;
  'max-scantime': number;
  'alert-exceeds-max': boolean;
  defs?: string;
  'clamav-db'?: string;
  pub?: string[];
}

/**
 * `epq scan PATH...`: scan files and folders and report (or quarantine). Exit 0 clean,
 * 1 detections (even if some files could not be read), 2 errors without detections.
 */
export function registerScanCommand(parser: Argv, setExit: SetExit): void {
  parser.command(
    'scan <paths..>',
    'Scan files and folders for threats',
    (y) =>
      y
        .positional('paths', { describe: 'Files or folders to scan', type: 'string', array: true })
        .options(toYargsOptions([...SCAN_OPTIONS, ACTION_OPTION, ...SCAN_SOURCE_OPTIONS, TRUSTED_KEYS_OPTION, JSON_OUTPUT_OPTION]))
        .options(contextYargsOptions())
        .epilog('Exit status: 0 nothing found, 1 detections, 2 errors (and no detections).'),
    async (argv) => setExit(await runScan(argv as unknown as ScanArgs)),
  );
}

/**
 * A report-only scan without --defs/--clamav-db goes to the running agent (clamdscan style: its
 * loaded set, no engine load here). Null when no agent runs.
 */
async function scanThroughAgent(args: ScanArgs): Promise<number | null> {
  if (args.action !== 'report' || args.defs !== undefined || args['clamav-db'] !== undefined) return null;
  const config = await loadCommandConfig(args);
  const client = await reachAgent(config.stateDir);
  if (!client) return null;
  const endpoint = new RemoteEndpoint(client);
  try {
    const report = await endpoint.scan({ paths: args.paths.map((p) => resolve(p)), exclude: args.exclude, maxFileSize: args['max-filesize'], followSymlinks: args['follow-symlinks'], jobs: args.jobs, archive: pickArchiveArgs(args) });
    return printAgentReport(args, report);
  } finally {
    endpoint.close();
  }
}

/**
 * The agent's control client, or null to scan here: when no agent runs, and when this user may
 * not use its socket (or can't even enter its state folder, as "nobody" with HOME=/root): a scan
 * needs nothing of the agent's, so it goes on here with what this user can read.
 */
async function reachAgent(stateDir: string): Promise<Awaited<ReturnType<typeof connectAgent>>> {
  try {
    return await connectAgent(stateDir);
  } catch (err) {
    if (err instanceof ControlError && err.code === 'forbidden') return null;
    throw err;
  }
}

function printAgentReport(args: ScanArgs, report: ScanReport): number {
  const label = `${report.definitions.label} (as the running agent uses them)`;
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ definitions: { label, sequence: report.definitions.sequence, signatures: report.definitions.signatures }, detections: report.detections, notLookedInto: report.notLookedInto, errors: report.errors, quarantined: [], summary: report.summary })}\n`);
  } else {
    for (const d of report.detections) writeLine(process.stdout, `${d.path}: ${d.signature} FOUND${describeWhere(d)}`);
    for (const n of report.notLookedInto) writeLine(process.stdout, describeNote(n));
    for (const e of report.errors) writeLine(process.stderr, `${e.path}: ERROR ${e.message}`);
    writeBlock(process.stdout, formatScanSummary(report.summary, label, report.definitions.signatures, null));
  }
  if (report.summary.detections > 0) return EXIT_DETECTIONS;
  return report.summary.errors > 0 || report.errors.length > 0 ? EXIT_ERROR : EXIT_CLEAN;
}

/** How this scan looks into archives, from the flags (whose defaults are the config's `scan.*`). */
export function pickArchiveArgs(args: ScanArgs): ArchiveSettings | null {
  return pickArchiveSettings({
    archives: args['scan-archive'],
    maxScanSize: args['max-scansize'],
    maxMemberSize: args['max-member-size'],
    maxFiles: args['max-files'],
    maxRecursion: args['max-recursion'],
    maxScanTime: args['max-scantime'],
    alertExceedsMax: args['alert-exceeds-max'],
  });
}

async function runScan(args: ScanArgs): Promise<number> {
  const viaAgent = await scanThroughAgent(args);
  if (viaAgent !== null) return viaAgent;
  const { runLocalScan } = await import('./scan-local.js');
  return runLocalScan(args);
}

