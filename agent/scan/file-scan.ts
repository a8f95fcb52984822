import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { scanArchive, type ArchiveNote } from '../../scanner/archive/scan-archive.js';
import type { ByteSource } from '../../scanner/archive/byte-source.js';
import type { Engine } from '../../scanner/engine.js';
import type { Detection } from '../../scanner/types.js';
import type { FsPath } from '../fs-path.js';
import type { ArchiveSettings } from './archive-settings.js';
import { describeSystemError, ScanFileError } from './scan-errors.js';

export interface FileScanOutcome {
  readonly path: FsPath;
  readonly size: number;
  /** Identity of the file that was read, so a later action can check it is still the same. */
  readonly dev: number;
  readonly ino: number;
  readonly detections: readonly Detection[];
  /** Set when the file was left unscanned on purpose (too big), with the reason. */
  readonly skipped?: string;
  /** What kept part of an archive from being looked into (limits, encrypted members). */
  readonly notes?: readonly ArchiveNote[];
}

export interface FileScanOptions {
  /** Files larger than this many bytes are skipped (0 = no limit). */
  readonly maxFileSize: number;
  /** Refuse to open the last path component if it is a symlink. */
  readonly noFollow: boolean;
  /** Look into archives with these settings; null or absent = scan the file's bytes only. */
  readonly archive?: ArchiveSettings | null;
}

/**
 * Scans one file through a descriptor (so the bytes judged are the bytes of what was opened,
 * even if the path is swapped meanwhile), reading straight into the engine's window.
 * Synchronous on purpose: it runs inside a scan worker that has nothing else to do.
 * @throws ScanFileError when the file cannot be opened or read, or is not a regular file; with
 *   code ELIMIT when the body scan stopped at its cost limit (ScanLimits) without a detection.
 */
export function scanFileSync(engine: Engine, path: FsPath, options: FileScanOptions): FileScanOutcome {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO swapped in after the walk must not hang the worker.
    const flags = constants.O_RDONLY | constants.O_NONBLOCK | (options.noFollow ? constants.O_NOFOLLOW : 0);
    fd = openSync(path, flags);
  } catch (err) {
    const { code, reason } = describeSystemError(err);
    throw new ScanFileError(path, code, reason, { cause: err });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new ScanFileError(path, 'ENOTFILE', 'not a regular file');
    if (options.maxFileSize > 0 && stat.size > options.maxFileSize) {
      return { path, size: stat.size, dev: stat.dev, ino: stat.ino, detections: [], skipped: `larger than --max-filesize (${stat.size} bytes)` };
    }
    const session = engine.createScan(stat.size);
    let total = 0;
    for (;;) {
      const buf = session.writable();
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      session.commit(n);
      total += n;
    }
    const result = session.finish();
    const base = { path, size: total, dev: stat.dev, ino: stat.ino };
    const found = !options.archive || result.allowListed ? { detections: result.detections } : scanArchiveOf(engine, fd, total, options.archive, result.detections);
    // A file the engine stopped judging is an error unless it was found anyway (in its bytes or a member).
    if (result.limitExceeded !== undefined && found.detections.length === 0) throw new ScanFileError(path, 'ELIMIT', result.limitExceeded);
    return { ...base, ...found };
  } catch (err) {
    if (err instanceof ScanFileError) throw err;
    const { code, reason } = describeSystemError(err);
    throw new ScanFileError(path, code, reason, { cause: err });
  } finally {
    closeSync(fd);
  }
}

/** Looks into the file as an archive, through the same descriptor; limits become detections when asked. */
function scanArchiveOf(engine: Engine, fd: number, size: number, settings: ArchiveSettings, own: readonly Detection[]): Pick<FileScanOutcome, 'detections' | 'notes'> {
  const source: ByteSource = { size, readAt: (into, position) => readSync(fd, into, 0, into.length, position) };
  const inner = scanArchive(engine, source, { limits: settings.limits, now: () => performance.now() });
  const alerts: Detection[] = settings.alertExceedsMax
    ? inner.notes.filter((n) => n.kind === 'limit').map((n) => ({ signature: n.signature, kind: 'heuristic' as const, ...(n.member && { member: n.member }) }))
    : [];
  const detections = [...own, ...inner.detections, ...alerts];
  return inner.notes.length > 0 ? { detections, notes: inner.notes } : { detections };
}
