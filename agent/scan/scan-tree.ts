import { availableParallelism } from 'node:os';
import { statSync } from 'node:fs';
import { compileEngine } from '../../scanner/engine.js';
import type { SignatureDatabase } from '../../scanner/signature-database.js';
import type { Detection } from '../../scanner/types.js';
import type { ArchiveNote } from '../../scanner/archive/scan-archive.js';
import type { FsPath } from '../fs-path.js';
import type { ArchiveSettings } from './archive-settings.js';
import { scanFileSync, type FileScanOptions, type FileScanOutcome } from './file-scan.js';
import { ScanFileError } from './scan-errors.js';
import { walkPaths } from './walk.js';
import { WorkerPool } from './worker-pool.js';
import type { WorkerReply } from './worker-messages.js';

export interface ScanTreeOptions {
  readonly paths: readonly string[];
  /** Worker threads; 0 picks one per core, or none for a handful of single files. */
  readonly jobs: number;
  readonly followSymlinks: boolean;
  readonly exclude: readonly string[];
  readonly maxFileSize: number;
  /** Look into archives (null = no). */
  readonly archive: ArchiveSettings | null;
  /** Drops detections that exceptions cover, before they are counted or reported. */
  readonly filterDetections?: (path: FsPath, detections: readonly Detection[]) => readonly Detection[];
}

/** Paths as the file system gave them (see fs-path.ts); print them with `showPath`. */
export type ScanEvent =
  | { readonly type: 'found'; readonly path: FsPath; readonly size: number }
  | { readonly type: 'scanned'; readonly path: FsPath; readonly size: number; readonly dev: number; readonly ino: number; readonly detections: readonly Detection[]; readonly notes: readonly ArchiveNote[] }
  | { readonly type: 'error'; readonly path: FsPath; readonly code: string | undefined; readonly message: string }
  | { readonly type: 'skipped'; readonly path: FsPath; readonly reason: string };

export interface ScanSummary {
  files: number;
  bytes: number;
  detections: number;
  infectedFiles: number;
  errors: number;
  skipped: number;
  /** Files with a part not looked into (an archive limit, an encrypted or unsupported member). */
  incomplete: number;
  seconds: number;
}

/** A handful of plain files scans faster on this thread than it takes to start workers. */
function pickJobs(options: ScanTreeOptions): number {
  if (options.jobs > 0) return options.jobs;
  const smallJob = options.paths.length < 8 && options.paths.every((p) => {
    try {
      return statSync(p).isFile();
    } catch {
      return true;
    }
  });
  return smallJob ? 1 : availableParallelism();
}

/**
 * Walks the paths and scans every regular file, on worker threads when `jobs` > 1.
 * Every outcome is reported through `onEvent` as it happens; the summary is returned at the end.
 * @throws ScanWorkerError if a worker thread dies (file-level problems are events, not throws).
 */
export async function scanTree(database: SignatureDatabase, options: ScanTreeOptions, onEvent: (e: ScanEvent) => void): Promise<ScanSummary> {
  const started = performance.now();
  const summary: ScanSummary = { files: 0, bytes: 0, detections: 0, infectedFiles: 0, errors: 0, skipped: 0, incomplete: 0, seconds: 0 };
  const record = (scanned: FileScanOutcome): void => {
    const outcome = options.filterDetections && scanned.detections.length > 0
      ? { ...scanned, detections: options.filterDetections(scanned.path, scanned.detections) }
      : scanned;
    if (outcome.skipped) {
      summary.skipped++;
      onEvent({ type: 'skipped', path: outcome.path, reason: outcome.skipped });
      return;
    }
    summary.files++;
    summary.bytes += outcome.size;
    summary.detections += outcome.detections.length;
    if (outcome.detections.length > 0) summary.infectedFiles++;
    if (outcome.notes && outcome.notes.length > 0) summary.incomplete++;
    onEvent({ type: 'scanned', path: outcome.path, size: outcome.size, dev: outcome.dev, ino: outcome.ino, detections: outcome.detections, notes: outcome.notes ?? [] });
  };
  const recordError = (path: FsPath, code: string | undefined, message: string): void => {
    summary.errors++;
    onEvent({ type: 'error', path, code, message });
  };
  const fileOptions = { maxFileSize: options.maxFileSize, noFollow: true, archive: options.archive };
  const jobs = pickJobs(options);
  const pool = jobs > 1 ? new WorkerPool(jobs, database, fileOptions) : null;
  const engine = pool ? null : compileEngine(database);
  const onReply = (reply: WorkerReply): void => {
    if (reply.ok) record(reply.outcome);
    else recordError(reply.path, reply.code, reply.message);
  };
  try {
    for await (const item of walkPaths(options.paths, options)) {
      if (item.kind === 'skip') {
        summary.skipped++;
        onEvent({ type: 'skipped', path: item.path, reason: item.reason });
      } else if (item.kind === 'error') {
        recordError(item.path, item.code, item.message);
      } else {
        onEvent({ type: 'found', path: item.path, size: item.size });
        if (pool) await pool.submit(item.path, item.viaSymlink, onReply);
        else scanInline(engine!, item.path, { ...fileOptions, noFollow: !item.viaSymlink }, record, recordError);
      }
    }
    await pool?.drain();
  } finally {
    await pool?.close();
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

function scanInline(
  engine: ReturnType<typeof compileEngine>,
  path: FsPath,
  fileOptions: FileScanOptions,
  record: (o: FileScanOutcome) => void,
  recordError: (path: FsPath, code: string | undefined, message: string) => void,
): void {
  try {
    record(scanFileSync(engine, path, fileOptions));
  } catch (err) {
    if (!(err instanceof ScanFileError)) throw err;
    recordError(path, err.code, err.reason);
  }
}
