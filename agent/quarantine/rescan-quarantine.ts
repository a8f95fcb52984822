import type { Engine } from '../../scanner/engine.js';
import type { Detection } from '../../scanner/types.js';
import type { ExceptionMatcher } from '../exceptions/exception-list.js';
import { QuarantineError } from './quarantine-errors.js';
import type { QuarantineItem } from './quarantine-item.js';
import type { QuarantineStore } from './quarantine-store.js';
import { restoreMany, type RestoreOptions, type RestoreResult } from './restore-item.js';
import { transientCode } from './transient-error.js';
import type { ArchiveSettings } from '../scan/archive-settings.js';
import { scanPackageSync, type PackageScanner } from './scan-package.js';

export interface RescanOutcome {
  readonly id: string;
  readonly path: string;
  readonly result: 'still-detected' | 'restored' | 'kept' | 'error';
  readonly detections?: readonly Detection[];
  readonly reason?: string;
}

export interface RescanOptions {
  /** New engine and its sequence; absent = decide by exceptions alone (no rescan). */
  readonly engine?: Engine;
  readonly sequence?: number;
  /**
   * Scan worker threads loaded with the same definitions as `engine`: items are scanned there,
   * on every core, without blocking this thread. Absent: scanned here, one at a time.
   */
  readonly scanner?: PackageScanner;
  /** Look into quarantined archives (as the scan that quarantined them did); the scanner's workers carry their own. */
  readonly archive?: ArchiveSettings | null;
  readonly exceptions: ExceptionMatcher;
  /** Restore what is no longer detected ("repair and restore files in quarantine silently"). */
  readonly autoRestore: boolean;
  /**
   * Runs each restore batch (the agent pauses its watcher around it); absent: `restoreMany`
   * straight away.
   */
  readonly aroundRestore?: (restore: () => Promise<RestoreResult[]>) => Promise<RestoreResult[]>;
}

/**
 * Rescans every quarantined item (decrypted in memory, never written to disk) and silently
 * restores what the engine no longer detects, or what an exception now covers (in batches,
 * after the rescan; restored items are listed after the others). An item whose
 * original place is taken stays, with the error recorded. Still-detected items get their virus
 * name and definitions sequence updated.
 */
export async function rescanQuarantine(store: QuarantineStore, options: RescanOptions): Promise<RescanOutcome[]> {
  const outcomes: RescanOutcome[] = [];
  const toRestore = { byException: [] as QuarantineItem[], cleared: [] as QuarantineItem[] };
  const held = store.records.held().filter((i) => i.phase === 'complete');
  const scanned = await scanItems(store, held, options);
  for (const [k, item] of held.entries()) {
    let detections: Detection[];
    try {
      const result = scanned[k]!;
      if (result instanceof Error) throw result;
      detections = result;
    } catch (err) {
      store.records.addError(item.id, { word: err instanceof QuarantineError ? err.word : 'internal', message: `rescan failed: ${(err as Error).message}` });
      outcomes.push({ id: item.id, path: item.originalPath, result: 'error', reason: (err as Error).message });
      continue;
    }
    const left = options.exceptions.filter(item.originalPath, detections, () => item.sha256);
    if (left.length > 0) {
      if (options.engine && options.sequence !== undefined) store.records.setDetection(item.id, left[0]!.signature, left, options.sequence);
      outcomes.push({ id: item.id, path: item.originalPath, result: 'still-detected', detections: left });
      continue;
    }
    const byException = detections.length > 0;
    if (!options.autoRestore && !byException) {
      outcomes.push({ id: item.id, path: item.originalPath, result: 'kept', reason: 'no longer detected; automatic restore is off' });
      continue;
    }
    (byException ? toRestore.byException : toRestore.cleared).push(item);
  }
  // Restored in two batches (their reason and state differ): a definitions update can clear
  // many items at once, and a batch costs a few fsync rounds instead of several per item.
  const batches = [
    { items: toRestore.byException, options: { reason: 'an exception covers it' } },
    { items: toRestore.cleared, options: { reason: `no longer detected by definitions sequence ${options.sequence}`, state: 'misfired' } },
  ];
  const around = options.aroundRestore ?? ((restore) => restore());
  for (const batch of batches) {
    if (batch.items.length === 0) continue;
    const results = await around(() => restoreRetrying(store, batch.items.map((i) => i.id), batch.options));
    for (const [k, r] of results.entries()) {
      const path = batch.items[k]!.originalPath;
      outcomes.push(r.ok ? { id: r.id, path, result: 'restored', reason: batch.options.reason } : { id: r.id, path, result: 'kept', reason: r.error.message });
    }
  }
  return outcomes;
}

/** Tries of a restore that fails transiently (EMFILE under a low limit), and the first wait. */
const RESTORE_TRIES = 8;
const RESTORE_RETRY_MS = 100;

/**
 * `restoreMany`, with the items that failed for a transient reason (out of file descriptors,
 * busy) tried again after a growing wait: a storm under a low open-file limit must not leave
 * false positives held. Each failed try is recorded on the item like any failure.
 */
async function restoreRetrying(store: QuarantineStore, ids: readonly string[], options: RestoreOptions): Promise<RestoreResult[]> {
  const results = await restoreMany(store, ids, options);
  for (let tryNo = 1; tryNo < RESTORE_TRIES; tryNo++) {
    const again = results.flatMap((r, k) => (!r.ok && transientCode(r.error) !== null ? [k] : []));
    if (again.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, RESTORE_RETRY_MS * 2 ** (tryNo - 1)));
    const retried = await restoreMany(store, again.map((k) => ids[k]!), options);
    again.forEach((k, j) => (results[k] = retried[j]!));
  }
  return results;
}

/** Each item's detections by the new engine (or as recorded, without one), or why it couldn't be scanned. */
async function scanItems(store: QuarantineStore, items: readonly QuarantineItem[], options: RescanOptions): Promise<(Detection[] | Error)[]> {
  const { engine, scanner } = options;
  if (!engine) return items.map((i) => [...i.detections]);
  const results: (Detection[] | Error)[] = new Array(items.length);
  if (scanner) {
    let left = items.length;
    let allDone: () => void = () => {};
    const done = new Promise<void>((resolve) => (allDone = resolve));
    if (left === 0) allDone();
    for (const [k, item] of items.entries()) {
      await scanner.submitPackage(store.blobPath(item.id), store.key, item, (result) => {
        results[k] = result;
        if (--left === 0) allDone();
      });
    }
    await done;
    return results;
  }
  for (const [k, item] of items.entries()) {
    try {
      results[k] = scanPackageSync(engine, store.blobPath(item.id), store.key, item, options.archive ?? null);
    } catch (err) {
      results[k] = err as Error;
    }
  }
  return results;
}
