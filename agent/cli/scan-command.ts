import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { loadScanDefinitions, type ScanDefinitions } from '../../definitions/load-scan-definitions.js';
import type { Detection } from '../../scanner/types.js';
import { ExceptionList, type ExceptionMatcher } from '../exceptions/exception-list.js';
import { toYargsOptions, type OptionSpec } from '../options/option-spec.js';
import { JSON_OUTPUT_OPTION, SCAN_OPTIONS, SCAN_SOURCE_OPTIONS } from '../options/scan-options.js';
import { QuarantineError } from '../quarantine/quarantine-errors.js';
import type { QuarantineRequest } from '../quarantine/quarantine-store.js';
import { makeQuarantineRequest } from '../quarantine/detection-request.js';
import { startCountAhead } from '../scan/count-ahead.js';
import { ProgressLine } from '../scan/progress-line.js';
import { pickArchiveSettings } from '../scan/archive-settings.js';
import { scanTree, type ScanEvent } from '../scan/scan-tree.js';
import { sha256File } from '../scan/sha256-file.js';
import { openDatabase } from '../store/open-database.js';
import { contextYargsOptions, loadCommandConfig, openQuarantine, type QuarantineContext } from './agent-context.js';
import type { SetExit } from './commands.js';
import { TRUSTED_KEYS_OPTION } from './defs-options.js';
import { EXIT_CLEAN, EXIT_DETECTIONS, EXIT_ERROR } from './exit-codes.js';
import { formatScanSummary, type JsonDetection } from './scan-report.js';
import { writeBlock, writeLine } from '../text/terminal-lines.js';

const ACTION_OPTION: OptionSpec = {
  key: 'scan.action', flag: 'action', type: 'string', choices: ['report', 'quarantine'], default: 'report',
  help: 'What to do with a detection: report it, or move it and its side effects into the quarantine',
};

interface ScanArgs extends Record<string, unknown> {
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
  const defs = await loadScanDefinitions({
    ...(args.defs !== undefined && { defsFile: args.defs }),
    ...(args.pub !== undefined && { trustedKeyFiles: args.pub }),
    ...(args['clamav-db'] !== undefined && { clamavDbDir: args['clamav-db'] }),
  });
  const quarantine = args.action === 'quarantine' ? await openQuarantine(await loadCommandConfig(args)) : null;
  try {
    const exceptions = await loadExceptions(args, quarantine);
    return await scanAndReport(args, defs, exceptions, quarantine);
  } finally {
    quarantine?.close();
  }
}

async function scanAndReport(args: ScanArgs, defs: ScanDefinitions, exceptions: ExceptionMatcher | null, quarantine: QuarantineContext | null): Promise<number> {
  const out = process.stdout;
  const progress = !args.json && process.stderr.isTTY ? new ProgressLine(process.stderr) : null;
  const detections: JsonDetection[] = [];
  const errors: { path: string; code?: string; message: string }[] = [];
  const notLookedInto: { path: string; kind: string; signature: string; member: string; detail: string }[] = [];
  const toQuarantine: { path: string; dev: number; ino: number; detections: readonly Detection[] }[] = [];
  const say = (line: string, stream: NodeJS.WriteStream = out): void => {
    progress?.clear();
    writeLine(stream, line);
  };
  const onEvent = (e: ScanEvent): void => {
    if (e.type === 'found') return;
    if (e.type === 'scanned') {
      progress?.addScanned(e.size, e.detections.length);
      for (const d of e.detections) {
        detections.push({ path: e.path, signature: d.signature, kind: d.kind, ...(d.offset !== undefined && { offset: d.offset }), ...(d.member !== undefined && { member: d.member }) });
        if (!args.json) say(`${e.path}: ${d.signature} FOUND${describeWhere(d)}`);
      }
      for (const n of e.notes) {
        notLookedInto.push({ path: e.path, ...n });
        if (!args.json) say(`${e.path}: ${n.signature} NOT SCANNED${n.member ? ` (${n.member})` : ''}: ${n.detail}`);
      }
      if (quarantine && e.detections.length > 0) toQuarantine.push(e);
    } else if (e.type === 'error') {
      errors.push({ path: e.path, ...(e.code !== undefined && { code: e.code }), message: e.message });
      if (!args.json) say(`${e.path}: ERROR ${e.message}`, process.stderr);
    }
  };
  // A second walk only counts, ahead of the scan, so that the progress can give an ETA.
  const counting = progress ? startCountAhead(args.paths, { followSymlinks: args['follow-symlinks'], exclude: args.exclude }, (files, bytes) => progress.setTotal(files, bytes)) : null;
  const summary = await scanTree(defs.database, {
    paths: args.paths,
    jobs: args.jobs,
    followSymlinks: args['follow-symlinks'],
    exclude: args.exclude,
    maxFileSize: args['max-filesize'],
    archive: pickArchiveSettings({
      archives: args['scan-archive'],
      maxScanSize: args['max-scansize'],
      maxMemberSize: args['max-member-size'],
      maxFiles: args['max-files'],
      maxRecursion: args['max-recursion'],
      maxScanTime: args['max-scantime'],
      alertExceedsMax: args['alert-exceeds-max'],
    }),
    ...(exceptions && !exceptions.isEmpty && { filterDetections: (path, found) => exceptions.filter(path, found, () => sha256File(path)) }),
  }, onEvent);
  await counting?.stop();
  progress?.clear();
  const quarantined = quarantine ? await quarantineAll(quarantine, defs, toQuarantine, args.json ? () => {} : say, errors) : [];
  if (args.json) {
    detections.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.signature < b.signature ? -1 : 1));
    out.write(`${JSON.stringify({ definitions: { label: defs.label, sequence: defs.sequence, signatures: defs.signatureCount }, detections, notLookedInto, errors, quarantined, summary })}\n`);
  } else {
    writeBlock(out, formatScanSummary(summary, defs.label, defs.signatureCount, quarantine ? quarantined.length : null));
  }
  if (summary.detections > 0) return EXIT_DETECTIONS;
  return summary.errors > 0 || errors.length > 0 ? EXIT_ERROR : EXIT_CLEAN;
}

/**
 * Quarantines every detection of the scan in one batch (a few fsync rounds for all of them).
 * A file that can't be quarantined is reported and the others go on.
 */
async function quarantineAll(
  ctx: QuarantineContext,
  defs: ScanDefinitions,
  found: readonly { path: string; dev: number; ino: number; detections: readonly Detection[] }[],
  say: (line: string) => void,
  errors: { path: string; message: string }[],
): Promise<{ path: string; id: string }[]> {
  const done: { path: string; id: string }[] = [];
  const requests: QuarantineRequest[] = [];
  const accepted: (typeof found)[number][] = [];
  for (const f of found) {
    try {
      requests.push(makeQuarantineRequest(ctx.config.root, defs, f, f.detections));
      accepted.push(f);
    } catch (err) {
      if (!(err instanceof QuarantineError)) throw err;
      errors.push({ path: f.path, message: `not quarantined: ${err.message}` });
      say(`${f.path}: ERROR not quarantined: ${err.message}`);
    }
  }
  const results = await ctx.store.quarantineMany(requests);
  for (const [i, r] of results.entries()) {
    const f = accepted[i]!;
    if (!r.ok) {
      errors.push({ path: f.path, message: `not quarantined: ${r.error.message}` });
      say(`${f.path}: ERROR not quarantined: ${r.error.message}`);
      continue;
    }
    const { item, originalRemoved } = r.outcome;
    done.push({ path: f.path, id: item.id });
    say(`${f.path}: quarantined as ${item.id}${originalRemoved ? '' : ' (the original changed meanwhile and was left in place)'}${item.sideEffects.length > 0 ? ` with ${item.sideEffects.length} side effect(s)` : ''}`);
  }
  return done;
}

/** ` (offset 12)`, ` (in dir/a.com, offset 12)` or ` (in dir/a.com)`: where in the file the match is. */
function describeWhere(d: Detection): string {
  const parts = [...(d.member !== undefined ? [`in ${d.member}`] : []), ...(d.offset !== undefined ? [`offset ${d.offset}`] : [])];
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}
