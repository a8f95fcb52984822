/** `epq scan` in this process (no agent, or --defs/--clamav-db, or --action quarantine). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadScanDefinitions, type ScanDefinitions } from '../../definitions/load-scan-definitions.js';
import type { Detection } from '../../scanner/types.js';
import { ExceptionList, type ExceptionMatcher } from '../exceptions/exception-list.js';
import { fsPathText, showPath, type FsPath } from '../fs-path.js';
import { makeQuarantineRequest } from '../quarantine/detection-request.js';
import { QuarantineError } from '../quarantine/quarantine-errors.js';
import type { QuarantineRequest } from '../quarantine/quarantine-store.js';
import { startCountAhead } from '../scan/count-ahead.js';
import { ProgressLine } from '../scan/progress-line.js';
import { scanTree, type ScanEvent } from '../scan/scan-tree.js';
import { sha256File } from '../scan/sha256-file.js';
import { DatabaseError, openDatabase } from '../store/open-database.js';
import { writeBlock, writeLine } from '../text/terminal-lines.js';
import { openUpdateContext } from '../updates/update-context.js';
import { loadCommandConfig, openQuarantine, type QuarantineContext } from './agent-context.js';
import { EXIT_CLEAN, EXIT_DETECTIONS, EXIT_ERROR } from './exit-codes.js';
import { pickArchiveArgs, type ScanArgs } from './scan-command.js';
import { describeNote, describeWhere, formatScanSummary, type JsonDetection, type JsonNote } from './scan-report.js';

/** A detected file, its path as the file system gave it. */
interface Found {
  readonly path: FsPath;
  readonly dev: number;
  readonly ino: number;
  readonly detections: readonly Detection[];
}

/** A scan in this process: --defs/--clamav-db, or the store's active set, or the built-in one. */
export async function runLocalScan(args: ScanArgs): Promise<number> {
  const defs = await chooseDefinitions(args);
  const quarantine = args.action === 'quarantine' ? await openQuarantineToScan(args) : null;
  try {
    const exceptions = await loadExceptions(args, quarantine);
    return await scanAndReport(args, defs, exceptions, quarantine);
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

async function scanAndReport(args: ScanArgs, defs: ScanDefinitions, exceptions: ExceptionMatcher | null, quarantine: QuarantineContext | null): Promise<number> {
  const out = process.stdout;
  const progress = !args.json && process.stderr.isTTY ? new ProgressLine(process.stderr) : null;
  const detections: JsonDetection[] = [];
  const errors: { path: string; code?: string; message: string }[] = [];
  const notLookedInto: JsonNote[] = [];
  const toQuarantine: Found[] = [];
  const say = (line: string, stream: NodeJS.WriteStream = out): void => {
    progress?.clear();
    writeLine(stream, line);
  };
  const onEvent = (e: ScanEvent): void => {
    if (e.type === 'found') return;
    if (e.type === 'scanned') {
      progress?.addScanned(e.size, e.detections.length);
      for (const d of e.detections) {
        detections.push({ path: showPath(e.path), signature: d.signature, kind: d.kind, ...(d.offset !== undefined && { offset: d.offset }), ...(d.member !== undefined && { member: d.member }) });
        if (!args.json) say(`${showPath(e.path)}: ${d.signature} FOUND${describeWhere(d)}`);
      }
      for (const n of e.notes) {
        const note = { path: showPath(e.path), ...n };
        notLookedInto.push(note);
        if (!args.json) say(describeNote(note));
      }
      if (quarantine && e.detections.length > 0) toQuarantine.push(e);
    } else if (e.type === 'error') {
      errors.push({ path: showPath(e.path), ...(e.code !== undefined && { code: e.code }), message: e.message });
      if (!args.json) say(`${showPath(e.path)}: ERROR ${e.message}`, process.stderr);
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
    archive: pickArchiveArgs(args),
    ...(exceptions && !exceptions.isEmpty && { filterDetections: (path, found) => exceptions.filter(fsPathText(path), found, () => sha256File(path)) }),
  }, onEvent);
  await counting?.stop();
  progress?.clear();
  const errorsBefore = errors.length;
  const quarantined = quarantine ? await quarantineAll(quarantine, defs, toQuarantine, args.json ? () => {} : say, errors) : [];
  // A detection that could not be quarantined is an error of the scan: "Errors: 0" would say all went well.
  summary.errors += errors.length - errorsBefore;
  if (args.json) {
    detections.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.signature < b.signature ? -1 : 1));
    out.write(`${JSON.stringify({ definitions: { label: defs.label, sequence: defs.sequence, signatures: defs.signatureCount }, detections, notLookedInto, errors, quarantined, summary })}\n`);
  } else {
    writeBlock(out, formatScanSummary(summary, defs.label, defs.signatureCount, quarantine ? quarantined.length : null));
  }
  if (summary.detections > 0) return EXIT_DETECTIONS;
  return summary.errors > 0 ? EXIT_ERROR : EXIT_CLEAN;
}

/**
 * Quarantines every detection of the scan in one batch (a few fsync rounds for all of them).
 * A file that can't be quarantined is reported and the others go on.
 */
async function quarantineAll(
  ctx: QuarantineContext,
  defs: ScanDefinitions,
  found: readonly Found[],
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
      errors.push({ path: showPath(f.path), message: `not quarantined: ${err.message}` });
      say(`${showPath(f.path)}: ERROR not quarantined: ${err.message}`);
    }
  }
  const results = await ctx.store.quarantineMany(requests);
  for (const [i, r] of results.entries()) {
    const f = accepted[i]!;
    if (!r.ok) {
      errors.push({ path: showPath(f.path), message: `not quarantined: ${r.error.message}` });
      say(`${showPath(f.path)}: ERROR not quarantined: ${r.error.message}`);
      continue;
    }
    const { item, originalRemoved } = r.outcome;
    done.push({ path: showPath(f.path), id: item.id });
    say(`${showPath(f.path)}: quarantined as ${item.id}${originalRemoved ? '' : ' (the original changed meanwhile and was left in place)'}${item.sideEffects.length > 0 ? ` with ${item.sideEffects.length} side effect(s)` : ''}`);
  }
  return done;
}
