import type { Engine } from '../../scanner/engine.js';
import type { Detection } from '../../scanner/types.js';
import { readPackage } from './package-parts.js';
import { QuarantineError } from './quarantine-errors.js';
import type { QuarantineItem } from './quarantine-item.js';

/**
 * Scans a quarantined file as it streams out of its decrypted package, in memory only.
 * @throws QuarantineError `missing` or `content` when the package can't be read or was tampered
 *   with; `internal` when the scan stopped at its cost limit without a detection (a file that was
 *   not fully judged must not count as clean, or the rescan would restore it).
 */
export function scanPackageSync(engine: Engine, blobPath: string, key: Buffer, item: QuarantineItem): Detection[] {
  const session = engine.createScan(item.size);
  readPackage(blobPath, key, item, (chunk) => session.update(chunk));
  const result = session.finish();
  if (result.limitExceeded !== undefined && result.detections.length === 0) {
    throw new QuarantineError('internal', result.limitExceeded, { id: item.id, path: blobPath });
  }
  return [...result.detections];
}

/** Scans quarantine packages somewhere else (the scan worker threads). */
export interface PackageScanner {
  /**
   * Queues one package; resolves once queued (back-pressure), and `onDone` gets the detections
   * or the error.
   */
  submitPackage(blobPath: string, key: Buffer, item: QuarantineItem, onDone: (result: Detection[] | Error) => void): Promise<void>;
}
