import { existsSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { loadScanDefinitions, type ScanDefinitions } from '../../definitions/load-scan-definitions.js';
import type { Detection } from '../../scanner/types.js';
import { ExceptionList, type ExceptionMatcher } from '../exceptions/exception-list.js';
import { toYargsOptions, type OptionSpec } from '../options/option-spec.js';
import { JSON_OUTPUT_OPTION, SCAN_CLI_OPTIONS, SCAN_OPTIONS, SCAN_SOURCE_OPTIONS } from '../options/scan-options.js';
import { ProgressLine } from '../scan/progress-line.js';
import type { RelocateMode } from '../scan/relocate-infected.js';
import { scanStdin, STDIN_NAME } from '../scan/scan-stdin.js';
import { scanTree, type ScanEvent, type ScanSummary } from '../scan/scan-tree.js';
import { sha256File } from '../scan/sha256-file.js';
import { openDatabase } from '../store/open-database.js';
import { contextYargsOptions, loadCommandConfig, openQuarantine, type QuarantineContext } from './agent-context.js';
import type { SetExit } from './commands.js';
import { TRUSTED_KEYS_OPTION } from './defs-options.js';
import { EXIT_CLEAN, EXIT_DETECTIONS, EXIT_ERROR } from './exit-codes.js';
import { quarantineAll, relocateAll, type Found } from './scan-disposal.js';
import { formatDetectionLine, formatScanSummary, pickReportedDetections, type JsonDetection } from './scan-report.js';

const ACTION_OPTION: OptionSpec = {
  key: 'scan.action', flag: 'action', type: 'string', choices: ['report', 'quarantine'], default: 'report',
  help: 'What to do with a detection: report it, or move it and its side effects into the quarantine (recommended: encrypted, restorable)',
};

interface ScanArgs extends Record<string, unknown> {
  paths: string[];
  json: boolean;
  action: 'report' | 'quarantine';
  exclude: string[];
  'max-filesize': number;
  'follow-symlinks': boolean;
  jobs: number;
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

/** Where infected files go: nowhere, the quarantine, or a plain folder (clamscan's --move/--copy). */
type Disposal = { kind: 'report' } | { kind: 'quarantine' } | { kind: RelocateMode; folder: string };

/** The scan's targets: `-` is standard input, and --file-list adds its lines. */
interface Targets {
  stdin: boolean;
  paths: string[];
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

/**
 * yargs drops a bare `-` when it fills a positional list (it reads it as a flag), so the entry
 * point swaps it for a marker before parsing. A path can't hold a NUL byte, so no real path
 * collides with the marker.
 */
const STDIN_OPERAND = '\u0000-';

/** Keeps `-` (standard input) of `epq scan -` through yargs; other command lines come back as they were. */
export function protectStdinOperand(argv: readonly string[]): string[] {
  if (argv[0] !== 'scan') return [...argv];
  return argv.map((a, i) => (a === '-' && i > 0 ? STDIN_OPERAND : a));
}

/** Every flag of `epq scan`, each defined once (the man page reads this list too). */
export const SCAN_COMMAND_OPTIONS: readonly OptionSpec[] = [...SCAN_OPTIONS, ACTION_OPTION, ...SCAN_CLI_OPTIONS, ...SCAN_SOURCE_OPTIONS, TRUSTED_KEYS_OPTION, JSON_OUTPUT_OPTION];

/** Usage errors that yargs can't see on its own: `true` when the command line is whole, else what is wrong. */
function checkScanArgs(args: ScanArgs): true | string {
  if ((args.paths ?? []).length === 0 && args['file-list'] === undefined) return 'Name a file or folder to scan (or - for standard input, or --file-list FILE).';
  const disposals = [args.action === 'quarantine' || args.remove, args.move !== undefined, args.copy !== undefined].filter(Boolean).length;
  if (disposals > 1) return 'Choose one of --action quarantine (or --remove), --move and --copy.';
  return true;
}

function pickDisposal(args: ScanArgs): Disposal {
  if (args.move !== undefined) return { kind: 'move', folder: args.move };
  if (args.copy !== undefined) return { kind: 'copy', folder: args.copy };
  return args.action === 'quarantine' || args.remove ? { kind: 'quarantine' } : { kind: 'report' };
}

/**
 * The paths to scan.
 * @throws Error naming the list file when it can't be read.
 */
async function readTargets(args: ScanArgs): Promise<Targets> {
  const given = args.paths ?? [];
  const listed: string[] = [];
  if (args['file-list'] !== undefined) {
    const text = await readFile(args['file-list'], 'utf8').catch((err: unknown) => {
      throw new Error(`cannot read the file list ${args['file-list']}`, { cause: err });
    });
    for (const line of text.split('\n')) if (line.trim() !== '') listed.push(line.replace(/\r$/, ''));
  }
  const isStdin = (p: string): boolean => p === '-' || p === STDIN_OPERAND;
  return { stdin: given.some(isStdin), paths: [...given.filter((p) => !isStdin(p)), ...listed] };
}

/** Exceptions of the agent's state folder, if it has one (a report-only scan creates nothing). */
async function loadExceptions(args: ScanArgs, quarantine: QuarantineContext | null): Promise<ExceptionMatcher | null> {
  if (quarantine) return quarantine.exceptions.matcher();
  const config = await loadCommandConfig(args);
  const dbPath = join(config.stateDir, 'agent.db');
  if (!existsSync(dbPath)) return null;
  const db = openDatabase(dbPath);
  try {
    return new ExceptionList(db).matcher();
  } finally {
    db.close();
  }
}

async function runScan(args: ScanArgs): Promise<number> {
  const targets = await readTargets(args);
  if (args.log !== undefined) {
    // Fail before scanning, not after, when the log can't be written.
    await appendFile(args.log, '').catch((err: unknown) => {
      throw new Error(`cannot write the log file ${args.log}`, { cause: err });
    });
  }
  const defs = await loadScanDefinitions({
    ...(args.defs !== undefined && { defsFile: args.defs }),
    ...(args.pub !== undefined && { trustedKeyFiles: args.pub }),
    ...(args['clamav-db'] !== undefined && { clamavDbDir: args['clamav-db'] }),
  });
  const disposal = pickDisposal(args);
  const quarantine = disposal.kind === 'quarantine' ? await openQuarantine(await loadCommandConfig(args)) : null;
  try {
    const exceptions = await loadExceptions(args, quarantine);
    return await scanAndReport(args, targets, disposal, defs, exceptions, quarantine);
  } finally {
    quarantine?.close();
  }
}

async function scanAndReport(
  args: ScanArgs, targets: Targets, disposal: Disposal, defs: ScanDefinitions, exceptions: ExceptionMatcher | null, quarantine: QuarantineContext | null,
): Promise<number> {
  const out = process.stdout;
  const progress = !args.json && process.stderr.isTTY ? new ProgressLine(process.stderr) : null;
  const detections: JsonDetection[] = [];
  const errors: { path: string; code?: string; message: string }[] = [];
  const infected: Found[] = [];
  const logLines: string[] = [];
  const say = (line: string, stream: NodeJS.WriteStream = out): void => {
    progress?.clear();
    stream.write(`${line}\n`);
    logLines.push(line);
  };
  const record = (path: string, found: readonly Detection[]): void => {
    for (const d of found) detections.push({ path, signature: d.signature, kind: d.kind, ...(d.offset !== undefined && { offset: d.offset }) });
    if (!args.json) for (const d of pickReportedDetections(found, args.allmatch)) say(formatDetectionLine(path, d, args.verbose));
  };
  const onEvent = (e: ScanEvent): void => {
    if (e.type === 'found') progress?.addFound(e.size);
    else if (e.type === 'scanned') {
      progress?.addScanned(e.size, e.detections.length);
      record(e.path, e.detections);
      if (e.detections.length > 0) infected.push(e);
    } else if (e.type === 'error') {
      errors.push({ path: e.path, ...(e.code !== undefined && { code: e.code }), message: e.message });
      if (!args.json) say(`${e.path}: ERROR ${e.message}`, process.stderr);
    }
  };
  const started = performance.now();
  const fromStdin = targets.stdin ? await scanStandardInput(args, defs, exceptions, record, args.json ? () => {} : say) : null;
  const summary = targets.paths.length === 0 ? emptySummary() : await scanTree(defs.database, {
    paths: targets.paths,
    jobs: args.jobs,
    followSymlinks: args['follow-symlinks'],
    exclude: args.exclude,
    maxFileSize: args['max-filesize'],
    ...(exceptions && !exceptions.isEmpty && { filterDetections: (path, found) => exceptions.filter(path, found, () => sha256File(path)) }),
  }, onEvent);
  if (fromStdin) addToSummary(summary, fromStdin);
  summary.seconds = (performance.now() - started) / 1000;
  progress?.clear();
  const tell = args.json ? () => {} : say;
  const quarantined = quarantine ? await quarantineAll(quarantine, defs, infected, tell, errors) : [];
  const relocated = disposal.kind === 'move' || disposal.kind === 'copy' ? await relocateAll(infected, disposal.kind, disposal.folder, tell, errors) : [];
  let report: string;
  if (args.json) {
    detections.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.signature < b.signature ? -1 : 1));
    report = `${JSON.stringify({ definitions: { label: defs.label, sequence: defs.sequence, signatures: defs.signatureCount }, detections, errors, quarantined, ...(relocated.length > 0 && { relocated }), summary })}\n`;
  } else {
    report = args.summary ? formatScanSummary(summary, defs.label, defs.signatureCount, quarantine ? quarantined.length : null) : '';
  }
  out.write(report);
  if (args.log !== undefined) await appendFile(args.log, args.json ? report : `${logLines.map((l) => `${l}\n`).join('')}${report}`);
  if (summary.detections > 0) return EXIT_DETECTIONS;
  return summary.errors > 0 || errors.length > 0 ? EXIT_ERROR : EXIT_CLEAN;
}

function emptySummary(): ScanSummary {
  return { files: 0, bytes: 0, detections: 0, infectedFiles: 0, errors: 0, skipped: 0, seconds: 0 };
}

function addToSummary(summary: ScanSummary, stdin: { size: number; detections: number; skipped: boolean }): void {
  if (stdin.skipped) {
    summary.skipped++;
    return;
  }
  summary.files++;
  summary.bytes += stdin.size;
  summary.detections += stdin.detections;
  if (stdin.detections > 0) summary.infectedFiles++;
}

/** `epq scan -`: standard input as one file, named `stdin`; it has no place to quarantine or move from. */
async function scanStandardInput(
  args: ScanArgs, defs: ScanDefinitions, exceptions: ExceptionMatcher | null,
  record: (path: string, found: readonly Detection[]) => void, say: (line: string) => void,
): Promise<{ size: number; detections: number; skipped: boolean }> {
  const outcome = await scanStdin(defs.database, process.stdin, {
    maxFileSize: args['max-filesize'],
    ...(exceptions && !exceptions.isEmpty && { filterDetections: (sha256: () => string, found: readonly Detection[]) => exceptions.filter(STDIN_NAME, found, sha256) }),
  });
  if (outcome.kind === 'skipped') return { size: outcome.size, detections: 0, skipped: true };
  record(STDIN_NAME, outcome.detections);
  if (outcome.detections.length > 0 && (args.action === 'quarantine' || args.remove || args.move !== undefined || args.copy !== undefined)) {
    say(`${STDIN_NAME}: left as it is (standard input is not a file that can be moved)`);
  }
  return { size: outcome.size, detections: outcome.detections.length, skipped: false };
}
