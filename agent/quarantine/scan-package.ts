import { detectArchiveKind } from '../../scanner/archive/archive-kind.js';
import { limitSignature } from '../../scanner/archive/archive-limits.js';
import { createBufferSource } from '../../scanner/archive/byte-source.js';
import { scanArchive } from '../../scanner/archive/scan-archive.js';
import type { Engine } from '../../scanner/engine.js';
import type { Detection } from '../../scanner/types.js';
import type { ArchiveSettings } from '../scan/archive-settings.js';
import { readPackage } from './package-parts.js';
import { QuarantineError } from './quarantine-errors.js';
import type { QuarantineItem } from './quarantine-item.js';

/**
 * Scans a quarantined file as it streams out of its decrypted package, in memory only.
 * @throws QuarantineError `missing` or `content` when the package can't be read or was tampered
 *   with; `internal` when the scan stopped at its cost limit without a detection (a file that was
 *   not fully judged must not count as clean, or the rescan would restore it).
 */
export function scanPackageSync(engine: Engine, blobPath: string, key: Buffer, item: QuarantineItem, archive: ArchiveSettings | null = null): Detection[] {
  const session = engine.createScan(item.size);
  // An archive is kept in memory to look into it (the package has no random access), up to a
  // bound; a bigger one stays detected (a limit), so it is never restored for being unread.
  const held: Buffer[] | null = archive ? [] : null;
  let heldBytes = 0;
  let isArchive: boolean | null = null;
  readPackage(blobPath, key, item, (chunk) => {
    session.update(chunk);
    if (!held || isArchive === false) return;
    heldBytes += chunk.length;
    if (heldBytes > MAX_HELD) {
      held.length = 0;
      return;
    }
    held.push(Buffer.from(chunk));
    if (isArchive === null && heldBytes >= 512) isArchive = detectArchiveKind(Buffer.concat(held).subarray(0, 512)) !== null;
    if (isArchive === false) held.length = 0;
  });
  const result = session.finish();
  const found = lookInto(engine, result.detections, held, heldBytes, isArchive, result.allowListed, archive);
  if (result.limitExceeded !== undefined && found.length === 0) {
    throw new QuarantineError('internal', result.limitExceeded, { id: item.id, path: blobPath });
  }
  return found;
}

/** The package's own detections plus those of its members when it is an archive held in memory. */
function lookInto(
  engine: Engine,
  own: readonly Detection[],
  held: Buffer[] | null,
  heldBytes: number,
  isArchive: boolean | null,
  allowListed: boolean,
  archive: ArchiveSettings | null,
): Detection[] {
  if (!held || isArchive === false || allowListed) return [...own];
  if (heldBytes > MAX_HELD) return [...own, { signature: limitSignature('MaxScanSize'), kind: 'heuristic' }];
  const bytes = Buffer.concat(held);
  if (detectArchiveKind(bytes.subarray(0, 512)) === null) return [...own];
  const inner = scanArchive(engine, createBufferSource(bytes), { limits: archive!.limits, now: () => performance.now() });
  return [...own, ...inner.detections];
}

/** Largest quarantined archive looked into again when definitions change. */
const MAX_HELD = 512 * 1024 * 1024;

/** Scans quarantine packages somewhere else (the scan worker threads). */
export interface PackageScanner {
  /**
   * Queues one package; resolves once queued (back-pressure), and `onDone` gets the detections
   * or the error.
   */
  submitPackage(blobPath: string, key: Buffer, item: QuarantineItem, onDone: (result: Detection[] | Error) => void): Promise<void>;
}
