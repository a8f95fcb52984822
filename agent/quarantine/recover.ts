import { createHash } from 'node:crypto';
import { closeSync, existsSync, readdirSync, readSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { basenameFsPath, dirnameFsPath, type FsPath } from '../fs-path.js';
import { fsyncDir } from './fsync-dir.js';
import { isHeldPhase } from './held-phases.js';
import { readPackage } from './package-parts.js';
import { QuarantineError } from './quarantine-errors.js';
import { originalPathOf, type ItemError, type QuarantineItem, type StoredSideEffect } from './quarantine-item.js';
import type { QuarantineStore } from './quarantine-store.js';
import { restoreTempName } from './restore-copy.js';
import { putBackItemsSideEffects, removeItemsSideEffects } from './side-effect-edits.js';
import { openRegularForReading, unlinkEntryQuietly } from '../safe-fs/folder-entries.js';
import { withFolderBeneath } from '../safe-fs/open-folder-beneath.js';
import { resolveUnderRoot } from './system-path.js';

export interface RecoveryReport {
  readonly rolledBack: string[];
  readonly finished: string[];
}


/**
 * Finishes or rolls back what a crash interrupted, so that every file is either where it was
 * or complete in quarantine (never neither, never half):
 * - temp blobs: a recorded item's is published as `<id>.epqq` (checked whole below); any other
 *   was being written by a process that died, and is deleted;
 * - `stored`: if the package is whole (checked: its record may have reached the disk first),
 *   remove the original if it is still the copied file, then the side effects, and mark it
 *   `complete`; if not, the original was never touched: drop the record;
 * - `restoring`: if the file is in place with the right content, or the package is already
 *   deleted (which happens only once restored), finish; else undo;
 * - `deleted`: finish deleting;
 * - `writing` (written by earlier versions before the package): drop the record and blob.
 * Run it before anything else uses the store: it must not race another process's operations.
 * @throws the system error of a file operation it can't do (the next start tries again).
 */
export async function recoverStore(store: QuarantineStore): Promise<RecoveryReport> {
  const report: RecoveryReport = { rolledBack: [], finished: [] };
  for (const item of store.records.inPhase('writing')) {
    removeIfExists(join(store.blobDir, `${item.id}.tmp`));
    removeIfExists(store.blobPath(item.id));
    store.records.remove(item.id);
    report.rolledBack.push(item.id);
  }
  tidyTempBlobs(store);
  for (const item of store.records.inPhase('stored')) {
    if (await finishQuarantine(store, item)) report.finished.push(item.id);
    else report.rolledBack.push(item.id);
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

/**
 * Publishes the temp blobs of recorded items and deletes the others (a listing: no record names
 * them), except those whose writer is still running: the agent may be writing them while a CLI
 * command opens the store.
 */
function tidyTempBlobs(store: QuarantineStore): void {
  let changed = false;
  for (const name of readdirSync(store.blobDir)) {
    if (!name.endsWith('.tmp')) continue;
    // `<id>.<pid>.tmp`; earlier versions wrote `<id>.tmp`.
    const [id = '', pid] = name.slice(0, -'.tmp'.length).split('.');
    const tmp = join(store.blobDir, name);
    const item = store.records.get(id);
    if (item && isHeldPhase(item.phase) && !existsSync(store.blobPath(id))) renameSync(tmp, store.blobPath(id));
    else if (pid !== undefined && isAlive(Number(pid))) continue;
    else removeIfExists(tmp);
    changed = true;
  }
  // Not needed for safety (a lost rename or unlink is simply redone), but it stops the work
  // from being repeated at every start.
  if (changed) fsyncDir(store.blobDir);
}

/** True for this process and any other that exists (EPERM: it exists, owned by someone else). */
function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Steps 4-7 of `quarantineMany` again, each idempotent, once the package is checked whole: its
 * record may have reached the disk before it. False when the item was rolled back.
 */
async function finishQuarantine(store: QuarantineStore, item: QuarantineItem): Promise<boolean> {
  const real = resolveUnderRoot(store.root, originalPathOf(item));
  const errors: ItemError[] = [...item.errors];
  const contents = wholePackage(store, item);
  if (contents === null) {
    // The original goes only once the package is durable, so it is still in place: forget the
    // item. If it is not, someone else deleted both; keep the record to say so.
    if (existsSync(real)) {
      removeIfExists(store.blobPath(item.id));
      store.records.remove(item.id);
      return false;
    }
    errors.push(store.records.errorNow({ word: 'missing', message: 'the quarantine package is missing or damaged, and the original is gone' }));
    store.records.complete(item.id, { originalRemoved: true, sideEffects: item.sideEffects, errors });
    return true;
  }
  let removal: 'removed' | 'gone' | 'changed';
  try {
    removal = store.removeOriginal(real, { ...item, mtimeNs: BigInt(item.mtimeNs) });
    if (removal === 'removed') fsyncDir(dirnameFsPath(real));
    if (removal === 'changed') errors.push(store.records.errorNow({ word: 'changed', message: 'the original changed after it was copied; it was left in place' }));
  } catch (err) {
    removal = 'changed';
    errors.push(store.records.errorNow({ word: 'internal', message: `the original could not be removed after a restart: ${(err as Error).message}` }));
  }
  let effects: readonly StoredSideEffect[] = item.sideEffects;
  if (item.sideEffects.some((e) => e.removed === undefined)) {
    try {
      const captured = item.sideEffects.map((effect, i) => ({ effect, ...(contents[i] && { content: contents[i] }) }));
      effects = (await removeItemsSideEffects(store, [{ id: item.id, captured }]))[0]!;
    } catch (err) {
      errors.push(store.records.errorNow({ word: 'internal', message: `side effects not removed after a restart: ${(err as Error).message}` }));
    }
  }
  store.records.complete(item.id, { originalRemoved: removal !== 'changed', sideEffects: effects, errors });
  return true;
}

/** The side-effect bytes of a package that is whole (GCM tag and SHA-256 check), else null. */
function wholePackage(store: QuarantineStore, item: QuarantineItem): (Buffer | undefined)[] | null {
  const hash = createHash('sha256');
  try {
    const contents = readPackage(store.blobPath(item.id), store.key, item, (chunk) => hash.update(chunk));
    return hash.digest('hex') === item.sha256 ? contents : null;
  } catch (err) {
    if (err instanceof QuarantineError) return null;
    throw err;
  }
}

async function finishOrUndoRestore(store: QuarantineStore, item: QuarantineItem): Promise<boolean> {
  const target = item.restoreTarget;
  if (target) removeRestoreTemp(target, item.id);
  if (!existsSync(store.blobPath(item.id))) {
    // The package is deleted only after the item was marked restored, in a commit that is not
    // fsynced: that commit was lost, the restore itself had finished.
    store.records.markRestored(item.id, item.state);
    return true;
  }
  if (!target || targetSha256(target) !== item.sha256) {
    store.records.setPhase(item.id, 'complete');
    return false;
  }
  try {
    const contents = readPackage(store.blobPath(item.id), store.key, item, () => {});
    // Side-effect restore is idempotent: what already went back counts as restored.
    const [outcome] = await putBackItemsSideEffects(store, [{ id: item.id, effects: item.sideEffects, contents }]);
    if (!outcome!.ok) throw outcome!.error;
  } catch (err) {
    store.records.addError(item.id, { word: 'internal', message: `side effects not restored after a restart: ${(err as Error).message}` });
  }
  store.records.markRestored(item.id, item.state);
  removeIfExists(store.blobPath(item.id));
  return true;
}

/**
 * The restore's temp file removed from the target's folder, opened from / without following a
 * link a user could have planted (the target may lie outside the root, with --to). Never throws:
 * a folder gone or refused holds no temp file of ours.
 */
function removeRestoreTemp(target: FsPath, id: string): void {
  try {
    withFolderBeneath('/', dirnameFsPath(target), (folder) => unlinkEntryQuietly(folder, restoreTempName(id)));
  } catch {
    // Nothing there that we may remove.
  }
}

/**
 * The SHA-256 of the regular file at a restore target, or undefined when there is none (gone,
 * a link, a FIFO or device: never opened, so never blocking), reached as removeRestoreTemp does.
 * @throws the system error of a read.
 */
function targetSha256(target: FsPath): string | undefined {
  let opened: { fd: number } | undefined;
  try {
    opened = withFolderBeneath('/', dirnameFsPath(target), (folder) => openRegularForReading(folder, basenameFsPath(target)));
  } catch {
    return undefined;
  }
  return sha256Of(opened.fd);
}

/** Streamed, so a big restored file is not read into memory whole; closes `fd`. */
function sha256Of(fd: number): string {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 20);
  try {
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function removeIfExists(path: FsPath): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
