/** `epq scan` in this process (no agent, or --defs/--clamav-db, or --action quarantine). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadScanDefinitions, type ScanDefinitions } from '../../definitions/load-scan-definitions.js';
import type { Detection } from '../../scanner/types.js';
import { ExceptionList, type ExceptionMatcher } from '../exceptions/exception-list.js';
import { fsPathText, showPath, type FsPath } from '../fs-path.js';
import { QuarantineError } from '../quarantine/quarantine-errors.js';
import { startCountAhead } from '../scan/count-ahead.js';
import { ProgressLine } from '../scan/progress-line.js';
import { scanStdin, STDIN_NAME } from '../scan/scan-stdin.js';
import { scanTree, type ScanEvent, type ScanSummary } from '../scan/scan-tree.js';
import { sha256File } from '../scan/sha256-file.js';
import { DatabaseError, openDatabase } from '../store/open-database.js';
import { openUpdateContext } from '../updates/update-context.js';
import { loadCommandConfig, openQuarantine, type QuarantineContext } from './agent-context.js';
import { EXIT_CLEAN, EXIT_DETECTIONS, EXIT_ERROR } from './exit-codes.js';
import { pickArchiveArgs, type ScanArgs } from './scan-command.js';
import { quarantineAll, relocateAll, type Found } from './scan-disposal.js';
import { ScanPrinter, type Targets } from './scan-output.js';
import { formatScanSummary, type JsonDetection, type JsonNote } from './scan-report.js';

/** Where infected files go: nowhere, the quarantine (--action quarantine, --remove), or a plain folder (clamscan's --move/--copy). */
type Disposal = { kind: 'report' } | { kind: 'quarantine' } | { kind: 'move' | 'copy'; folder: string };

function pickDisposal(args: ScanArgs): Disposal {
  if (args.move !== undefined) return { kind: 'move', folder: args.move };
  if (args.copy !== undefined) return { kind: 'copy', folder: args.copy };
  return args.action === 'quarantine' || args.remove ? { kind: 'quarantine' } : { kind: 'report' };
}

/** A scan in this process: --defs/--clamav-db, or the store's active set, or the built-in one. */
export async function runLocalScan(args: ScanArgs, targets: Targets): Promise<number> {
  const defs = await chooseDefinitions(args);
  const disposal = pickDisposal(args);
  const quarantine = disposal.kind === 'quarantine' ? await openQuarantineToScan(args) : null;
  try {
    const exceptions = await loadExceptions(args, quarantine);
    return await scanAndReport(args, targets, disposal, defs, exceptions, quarantine);
  } finally {
    quarantine?.close();
  }
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

/**
 * The quarantine for `--action quarantine`, opened before the scan so that detections can be
 * moved in; when it can't be, the error says that nothing was scanned.
 * @throws QuarantineError wrapping why (a full disk names the folder).
 */
async function openQuarantineToScan(args: ScanArgs): Promise<QuarantineContext> {
  try {
    return await openQuarantine(await loadCommandConfig(args), { kind: 'command' });
  } catch (err) {
    if (!(err instanceof DatabaseError) && !(err instanceof QuarantineError)) throw err;
    throw new QuarantineError('internal', `the quarantine can't be opened, so nothing was scanned or quarantined: ${err.message}`, {}, { cause: err });
  }
}

/**
 * The definitions of a scan here: --defs or --clamav-db when given, else the store's active set
 * (what an agent would run), else the built-in set. A report-only scan creates no state.
 */
async function chooseDefinitions(args: ScanArgs): Promise<ScanDefinitions> {
  if (args.defs !== undefined || args['clamav-db'] !== undefined) {
    return loadScanDefinitions({
      ...(args.defs !== undefined && { defsFile: args.defs }),
      ...(args.pub !== undefined && { trustedKeyFiles: args.pub }),
      ...(args['clamav-db'] !== undefined && { clamavDbDir: args['clamav-db'] }),
    });
  }
  const config = await loadCommandConfig(args);
  if (!existsSync(join(config.stateDir, 'definitions'))) return loadScanDefinitions({});
  const ctx = await openUpdateContext({ stateDir: config.stateDir, trustedKeyFiles: args.pub ?? config.definitions.trustedKeys, keep: config.definitions.keep });
  const active = ctx.definitions.current();
  return { label: `${active.label} (the store's active set; no agent running)`, sequence: active.sequence, signatureCount: active.signatureCount, database: active.database, meta: active.meta };
}

async function scanAndReport(
  args: ScanArgs, targets: Targets, disposal: Disposal, defs: ScanDefinitions, exceptions: ExceptionMatcher | null, quarantine: QuarantineContext | null,
): Promise<number> {
  const progress = !args.json && process.stderr.isTTY ? new ProgressLine(process.stderr) : null;
  const printer = new ScanPrinter(args, () => progress?.clear());
  const detections: JsonDetection[] = [];
  const errors: { path: string; code?: string; message: string }[] = [];
  const notLookedInto: JsonNote[] = [];
  const infected: Found[] = [];
  const record = (path: FsPath, found: readonly Detection[]): void => {
    for (const d of found) detections.push({ path: showPath(path), signature: d.signature, kind: d.kind, ...(d.offset !== undefined && { offset: d.offset }), ...(d.member !== undefined && { member: d.member }) });
    printer.sayFound(showPath(path), found);
  };
  const onEvent = (e: ScanEvent): void => {
    if (e.type === 'found') return;
    if (e.type === 'scanned') {
      progress?.addScanned(e.size, e.detections.length);
      record(e.path, e.detections);
      for (const n of e.notes) {
        const note = { path: showPath(e.path), ...n };
        notLookedInto.push(note);
        printer.sayNote(note);
      }
      if (e.detections.length > 0) infected.push(e);
    } else if (e.type === 'error') {
      errors.push({ path: showPath(e.path), ...(e.code !== undefined && { code: e.code }), message: e.message });
      printer.say(`${showPath(e.path)}: ERROR ${e.message}`, process.stderr);
    }
  };
  const started = performance.now();
  const fromStdin = targets.stdin ? await scanStandardInput(args, defs, exceptions, record, (line) => printer.say(line)) : null;
  // A second walk only counts, ahead of the scan, so that the progress can give an ETA.
  const counting = progress && targets.paths.length > 0 ? startCountAhead(targets.paths, { followSymlinks: args['follow-symlinks'], exclude: args.exclude }, (files, bytes) => progress.setTotal(files, bytes)) : null;
  const summary = targets.paths.length === 0 ? emptySummary() : await scanTree(defs.database, {
    paths: targets.paths,
    jobs: args.jobs,
    followSymlinks: args['follow-symlinks'],
    exclude: args.exclude,
    maxFileSize: args['max-filesize'],
    archive: pickArchiveArgs(args),
    ...(exceptions && !exceptions.isEmpty && { filterDetections: (path, found) => exceptions.filter(fsPathText(path), found, () => sha256File(path)) }),
  }, onEvent);
  await counting?.stop();
  if (fromStdin) addToSummary(summary, fromStdin);
  summary.seconds = (performance.now() - started) / 1000;
  progress?.clear();
  const errorsBefore = errors.length;
  const tell = (line: string): void => printer.say(line);
  const quarantined = quarantine ? await quarantineAll(quarantine, defs, infected, tell, errors) : [];
  const relocated = disposal.kind === 'move' || disposal.kind === 'copy' ? await relocateAll(infected, disposal.kind, disposal.folder, tell, errors) : [];
  // A detection that could not be quarantined (or moved) is an error of the scan: "Errors: 0" would say all went well.
  summary.errors += errors.length - errorsBefore;
  detections.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.signature < b.signature ? -1 : 1));
  await printer.finish(
    () => JSON.stringify({ definitions: { label: defs.label, sequence: defs.sequence, signatures: defs.signatureCount }, detections, notLookedInto, errors, quarantined, ...(relocated.length > 0 && { relocated }), summary }),
    () => formatScanSummary(summary, defs.label, defs.signatureCount, quarantine ? quarantined.length : null),
  );
  if (summary.detections > 0) return EXIT_DETECTIONS;
  return summary.errors > 0 ? EXIT_ERROR : EXIT_CLEAN;
}

function emptySummary(): ScanSummary {
  return { files: 0, bytes: 0, detections: 0, infectedFiles: 0, errors: 0, skipped: 0, incomplete: 0, seconds: 0 };
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
  record: (path: FsPath, found: readonly Detection[]) => void, say: (line: string) => void,
): Promise<{ size: number; detections: number; skipped: boolean }> {
  const outcome = await scanStdin(defs.database, process.stdin, {
    maxFileSize: args['max-filesize'],
    ...(exceptions && !exceptions.isEmpty && { filterDetections: (sha256: () => string, found: readonly Detection[]) => exceptions.filter(STDIN_NAME, found, sha256) }),
  });
  if (outcome.kind === 'skipped') return { size: outcome.size, detections: 0, skipped: true };
  record(STDIN_NAME, outcome.detections);
  if (outcome.detections.length > 0 && pickDisposal(args).kind !== 'report') {
    say(`${STDIN_NAME}: left as it is (standard input is not a file that can be moved)`);
  }
  return { size: outcome.size, detections: outcome.detections.length, skipped: false };
}
