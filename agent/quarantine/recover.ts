import { createHash } from 'node:crypto';
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { readPackage } from './package-parts.js';
import type { QuarantineItem } from './quarantine-item.js';
import type { QuarantineStore } from './quarantine-store.js';
import { restoreTempPath } from './restore-item.js';
import { resolveUnderRoot } from './system-path.js';

export interface RecoveryReport {
  readonly rolledBack: string[];
  readonly finished: string[];
}

/**
 * Finishes or rolls back what a crash interrupted, so that every file is either where it was
 * or complete in quarantine (never neither, never half):
 * - `writing`: the original was never touched; drop the partial blob and the record.
 * - `stored`: the package is complete; remove the original if it is still the copied file.
 * - `restoring`: if the file is in place with the right content, finish; else undo.
 * - `deleted`: finish deleting.
 */
export async function recoverStore(store: QuarantineStore): Promise<RecoveryReport> {
  const report: RecoveryReport = { rolledBack: [], finished: [] };
  for (const item of store.records.inPhase('writing')) {
    removeIfExists(join(store.blobDir, `${item.id}.tmp`));
    removeIfExists(store.blobPath(item.id));
    store.records.remove(item.id);
    report.rolledBack.push(item.id);
  }
  for (const item of store.records.inPhase('stored')) {
    await finishQuarantine(store, item);
    report.finished.push(item.id);
  }
  for (const item of store.records.inPhase('restoring')) {
    if (await finishOrUndoRestore(store, item)) report.finished.push(item.id);
    else report.rolledBack.push(item.id);
  }
  for (const item of store.records.inPhase('deleted')) {
    removeIfExists(store.blobPath(item.id));
    store.records.remove(item.id);
    report.finished.push(item.id);
  }
  return report;
}

async function finishQuarantine(store: QuarantineStore, item: QuarantineItem): Promise<void> {
  const real = resolveUnderRoot(store.root, item.originalPath);
  store.removeOriginal(item.id, real, { dev: item.dev, ino: item.ino, size: item.size, mtimeMs: item.mtimeMs });
  const pending = item.sideEffects.filter((e) => e.removed === undefined);
  if (pending.length > 0) {
    try {
      const contents = readPackage(store.blobPath(item.id), store.key, item, () => {});
      const effects = await store.sideEffects.remove(item.sideEffects.map((effect, i) => ({ effect, ...(contents[i] && { content: contents[i] }) })));
      store.records.setSideEffects(item.id, effects);
    } catch (err) {
      store.records.addError(item.id, { word: 'internal', message: `side effects not removed after a restart: ${(err as Error).message}` });
    }
  }
  store.records.setPhase(item.id, 'complete');
}

async function finishOrUndoRestore(store: QuarantineStore, item: QuarantineItem): Promise<boolean> {
  const target = item.restoreTarget;
  if (target) removeIfExists(restoreTempPath(target, item.id));
  if (!target || !existsSync(target) || sha256Of(target) !== item.sha256) {
    store.records.setPhase(item.id, 'complete');
    return false;
  }
  try {
    const contents = readPackage(store.blobPath(item.id), store.key, item, () => {});
    // Side-effect restore is idempotent: what already went back counts as restored.
    await store.sideEffects.restore(item.sideEffects, contents);
  } catch (err) {
    store.records.addError(item.id, { word: 'internal', message: `side effects not restored after a restart: ${(err as Error).message}` });
  }
  store.records.markRestored(item.id, item.state);
  removeIfExists(store.blobPath(item.id));
  return true;
}

function sha256Of(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function removeIfExists(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
