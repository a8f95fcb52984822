import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { toYargsOptions, type OptionSpec } from '../options/option-spec.js';
import { JSON_OUTPUT_OPTION, SCAN_CLI_OPTIONS, SCAN_OPTIONS, SCAN_SOURCE_OPTIONS } from '../options/scan-options.js';
import { TRUSTED_KEYS_OPTION } from '../options/trusted-keys-option.js';
import { connectAgent } from '../control/control-client.js';
import { ControlError } from '../control/protocol.js';
import { RemoteEndpoint } from '../control/remote-endpoint.js';
import type { ScanReport } from '../endpoint/endpoint-api.js';
import type { Detection } from '../../scanner/types.js';
import { printable } from '../text/printable.js';
import { contextYargsOptions, loadCommandConfig } from './agent-context.js';
import { pickArchiveSettings, type ArchiveSettings } from '../scan/archive-settings.js';
import type { SetExit } from './commands.js';
import { EXIT_CLEAN, EXIT_DETECTIONS, EXIT_ERROR } from './exit-codes.js';
import { formatScanSummary } from './scan-report.js';
import { checkLogWritable, readTargets, ScanPrinter, type Targets } from './scan-output.js';

const ACTION_OPTION: OptionSpec = {
  key: 'scan.action', flag: 'action', type: 'string', choices: ['report', 'quarantine'], default: 'report',
  help: 'What to do with a detection: report it, or move it and its side effects into the quarantine (recommended: encrypted, restorable)',
};

/** Every flag of `epq scan`, each defined once (the man page reads this list too). */
export const SCAN_COMMAND_OPTIONS: readonly OptionSpec[] = [...SCAN_OPTIONS, ACTION_OPTION, ...SCAN_CLI_OPTIONS, ...SCAN_SOURCE_OPTIONS, TRUSTED_KEYS_OPTION, JSON_OUTPUT_OPTION];

export interface ScanArgs extends Record<string, unknown> {
  paths?: string[];
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
  'file-list'?: string;
  log?: string;
  summary: boolean;
  allmatch: boolean;
  verbose: boolean;
  move?: string;
  copy?: string;
  remove: boolean;
}

/**
 * `epq scan PATH...`: scan files and folders and report (or quarantine). Exit 0 clean,
 * 1 detections (even if some files could not be read), 2 errors without detections.
 */
export function registerScanCommand(parser: Argv, setExit: SetExit): void {
  parser.command(
    'scan [paths..]',
    'Scan files and folders for threats (`-` reads standard input)',
    (y) =>
      y
        .positional('paths', { describe: 'Files or folders to scan; - for standard input', type: 'string', array: true })
        .options(toYargsOptions(SCAN_COMMAND_OPTIONS))
        .options(contextYargsOptions())
        .check((argv) => checkScanArgs(argv as unknown as ScanArgs))
        .epilog('Exit status: 0 nothing found, 1 detections, 2 errors (and no detections).'),
    async (argv) => setExit(await runScan(argv as unknown as ScanArgs)),
  );
}

/** Usage errors that yargs can't see on its own: `true` when the command line is whole, else what is wrong. */
function checkScanArgs(args: ScanArgs): true | string {
  if ((args.paths ?? []).length === 0 && args['file-list'] === undefined) return 'Name a file or folder to scan (or - for standard input, or --file-list FILE).';
  const disposals = [args.action === 'quarantine' || args.remove, args.move !== undefined, args.copy !== undefined].filter(Boolean).length;
  if (disposals > 1) return 'Choose one of --action quarantine (or --remove), --move and --copy.';
  return true;
}

/** Only a report of files by path can go to the agent; the rest (stdin, a disposal, other definitions) runs here. */
function canUseAgent(args: ScanArgs, targets: Targets): boolean {
  return args.action === 'report' && !args.remove && args.move === undefined && args.copy === undefined
    && args.defs === undefined && args['clamav-db'] === undefined && !targets.stdin;
}

/**
 * A report-only scan without --defs/--clamav-db goes to the running agent (clamdscan style: its
 * loaded set, no engine load here); --file-list paths go with it. Null when no agent runs.
 */
async function scanThroughAgent(args: ScanArgs, targets: Targets): Promise<number | null> {
  if (!canUseAgent(args, targets)) return null;
  const config = await loadCommandConfig(args);
  const client = await reachAgent(config.stateDir);
  if (!client) return null;
  const endpoint = new RemoteEndpoint(client);
  try {
    const report = await endpoint.scan({ paths: targets.paths.map((p) => resolve(p)), exclude: args.exclude, maxFileSize: args['max-filesize'], followSymlinks: args['follow-symlinks'], jobs: args.jobs, archive: pickArchiveArgs(args) });
    return await printAgentReport(args, report);
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

/** The agent's report printed as a scan here prints it: one line per infected file, --allmatch, --verbose, --no-summary, --log. */
async function printAgentReport(args: ScanArgs, report: ScanReport): Promise<number> {
  const label = `${report.definitions.label} (as the running agent uses them)`;
  const printer = new ScanPrinter(args);
  for (const [path, found] of groupByPath(report.detections)) printer.sayFound(printable(path), found);
  for (const n of report.notLookedInto) printer.sayNote({ ...n, path: printable(n.path) });
  for (const e of report.errors) printer.say(`${printable(e.path)}: ERROR ${e.message}`, process.stderr);
  await printer.finish(
    () => JSON.stringify({ definitions: { label, sequence: report.definitions.sequence, signatures: report.definitions.signatures }, detections: report.detections, notLookedInto: report.notLookedInto, errors: report.errors, quarantined: [], summary: report.summary }),
    () => formatScanSummary(report.summary, printable(label), report.definitions.signatures, null),
  );
  if (report.summary.detections > 0) return EXIT_DETECTIONS;
  return report.summary.errors > 0 || report.errors.length > 0 ? EXIT_ERROR : EXIT_CLEAN;
}

type AgentDetection = ScanReport['detections'][number];

/** The agent's detections file by file, in the order they came. */
function groupByPath(detections: readonly AgentDetection[]): Map<string, Detection[]> {
  const byPath = new Map<string, Detection[]>();
  for (const d of detections) {
    const list = byPath.get(d.path) ?? [];
    list.push({ signature: d.signature, kind: d.kind, ...(d.offset !== undefined && { offset: d.offset }), ...(d.member !== undefined && { member: d.member }) });
    byPath.set(d.path, list);
  }
  return byPath;
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
  const targets = await readTargets(args.paths ?? [], args['file-list']);
  await checkLogWritable(args.log);
  const viaAgent = await scanThroughAgent(args, targets);
  if (viaAgent !== null) return viaAgent;
  const { runLocalScan } = await import('./scan-local.js');
  return runLocalScan(args, targets);
}
