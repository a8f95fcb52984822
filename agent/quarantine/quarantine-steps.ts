/** Steps 2 to 7 of quarantineMany, each for the items of a chunk still going. */
import { existsSync, renameSync } from 'node:fs';
import { dirnameFsPath, fsPathKey, showPath } from '../fs-path.js';
import { faultPoint } from './fault-injection.js';
import { fsyncDirAsync, fsyncDirs } from './fsync-dir.js';
import type { QuarantineResult } from './quarantine-batch.js';
import type { QuarantineItem, StoredSideEffect } from './quarantine-item.js';
import type { NewItem } from './quarantine-records.js';
import type { QuarantineStore } from './quarantine-store.js';
import { removeItemsSideEffects } from './side-effect-edits.js';
import type { Pending } from './write-package.js';

/** Gives an item its error result; the steps after never see it again. */
export type FailItem = (p: Pending, err: unknown, message: string) => void;

/** Each item's side effects as step 6 left them (and as step 7 records them). */
export type ItemEffects = ReadonlyMap<Pending, readonly StoredSideEffect[]>;

/**
 * Steps 2-3: records committed durably while the packages and the blob folder are fsynced.
 * Returns the items both made durable; the others failed and are forgotten (records and
 * temp blobs). Never throws.
 */
export async function commitRecords(store: QuarantineStore, chunk: Pending[], fail: FailItem): Promise<Pending[]> {
  // 2-3. One round for the lot: the packages and the blob folder are fsynced on the thread
  // pool while this thread commits the records (durably). Both must be done before any
  // original goes, but not in any order between them: recovery checks a recorded package (GCM
  // tag, SHA-256) before it removes anything, and drops the record of one that did not make it.
  // The fsyncs start only now, all together: started while the next files were still being
  // created, they made those creates wait for journal commits (measured on 2,000 small files,
  // alternating runs: up to twice as slow).
  const dirSynced = fsyncDirs([store.blobDir]).then(() => null, (err: unknown) => err);
  const syncing = Promise.allSettled(chunk.map((p) => p.blob.sync()));
  let commitError: unknown = null;
  try {
    store.records.transaction(() => {
      for (const p of chunk) store.records.insertStored((p.record = newRecord(p)));
    });
  } catch (err) {
    commitError = err;
  }
  const synced = await syncing;
  const dirError = await dirSynced;
  if (commitError !== null) {
    for (const p of chunk) {
      fail(p, commitError, `can't record ${showPath(p.request.path)} in the quarantine database`);
      await p.blob.discard();
    }
    return [];
  }
  const live: Pending[] = [];
  const lost: Pending[] = [];
  for (const [i, p] of chunk.entries()) {
    const s = synced[i]!;
    if (dirError === null && s.status === 'fulfilled') live.push(p);
    else {
      fail(p, s.status === 'rejected' ? s.reason : dirError, `can't make the quarantine package of ${showPath(p.request.path)} durable`);
      lost.push(p);
    }
  }
  await drop(store, lost);
  return live;
}

/**
 * Step 4: each original removed (only if still the file that was copied), each parent folder
 * fsynced once. Returns the items to publish; the others failed. Never throws.
 */
export async function removeOriginals(store: QuarantineStore, items: Pending[], fail: FailItem): Promise<Pending[]> {
  // 4. Originals removed (only if still the file that was copied), each parent folder fsynced once.
  // Never the original without its package: if the temp blob is gone (deleted by hand) and not
  // published either (another process's recovery may have done that), drop the record and leave
  // the original alone.
  const missing = items.filter((p) => !existsSync(p.blob.path) && !existsSync(store.blobPath(p.id)));
  for (const p of missing) fail(p, new Error('the package file disappeared'), `${showPath(p.request.path)} was left in place`);
  await drop(store, missing);
  const live = items.filter((p) => !missing.includes(p));
  for (const p of live) {
    try {
      p.removal = store.removeOriginal(p.real, { ...p.stat, mtimeNs: p.timesNs.mtimeNs }, p.folder);
      if (p.removal === 'changed') p.errors.push(store.records.errorNow({ word: 'changed', message: 'the original changed after it was copied; it was left in place' }));
    } catch (err) {
      p.removal = 'changed';
      p.errors.push(store.records.errorNow({ word: 'internal', message: `the original could not be removed: ${(err as Error).message}` }));
    }
    faultPoint('quarantine:after-unlink');
  }
  const parents = new Map<string, Promise<void>>();
  for (const p of live) {
    const dir = dirnameFsPath(p.real);
    if (p.removal === 'removed' && !parents.has(fsPathKey(dir))) parents.set(fsPathKey(dir), fsyncDirAsync(dir));
  }
  return keepIf(live, (p) => (p.removal === 'removed' ? parents.get(fsPathKey(dirnameFsPath(p.real)))! : Promise.resolve()), fail,
    'is in quarantine, but removing the original could not be made durable; the next start checks it again');
}

/**
 * Step 5: each package renamed to its final name. Returns the items published; the others
 * failed (recorded, so the next start finishes them). Never throws.
 */
export function publishPackages(store: QuarantineStore, items: Pending[], fail: FailItem): Pending[] {
  // 5. Published under its final name. Not synced: recovery renames the .tmp of a recorded item.
  const published: Pending[] = [];
  for (const p of items) {
    try {
      renameSync(p.blob.path, store.blobPath(p.id));
      published.push(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && existsSync(store.blobPath(p.id))) published.push(p);
      else fail(p, err, `${showPath(p.request.path)} is in quarantine, but its package could not be renamed; the next start finishes it`);
    }
    faultPoint('quarantine:after-blob-rename');
  }
  return published;
}

/**
 * Step 6: each item's side effects removed, and what was removed committed durably. A failure
 * is recorded in the item's errors, not thrown. Never throws.
 */
export async function clearSideEffects(store: QuarantineStore, items: Pending[]): Promise<ItemEffects> {
  // 6. Side effects of the whole chunk in one pass per persistence file, serialised with every
  // other side-effect edit. What was removed is committed durably at once (only chunks that had
  // any pay for it): removed a second time by recovery, an entry would be found gone, and a
  // restore would not put it back.
  const effects = new Map<Pending, readonly StoredSideEffect[]>();
  try {
    const removed = await removeItemsSideEffects(store, items.map((p) => ({ id: p.id, captured: p.captured })));
    items.forEach((p, k) => effects.set(p, removed[k]!));
  } catch (err) {
    for (const p of items) {
      effects.set(p, p.captured.map((c) => c.effect));
      if (p.captured.length > 0) p.errors.push(store.records.errorNow({ word: 'internal', message: `side effects not removed: ${(err as Error).message}` }));
    }
  }
  // Counted once per item, like the other per-item steps, so `#N` can stop a batch here too.
  items.forEach(() => faultPoint('quarantine:after-side-effects'));
  return effects;
}

/**
 * Step 7: the items marked complete in one lazy commit, then reported (event and result).
 * If the commit fails, each item gets an error result instead. Never throws.
 */
export function completeItems(store: QuarantineStore, items: Pending[], effects: ItemEffects, results: QuarantineResult[], fail: FailItem): void {
  // 7. Lazy commit: if a power cut loses it, the items are `stored` again and recovery redoes 4-5
  // (and 6 for what step 6 did not record).
  try {
    store.records.lazyTransaction(() => {
      for (const p of items) store.records.complete(p.id, { originalRemoved: p.removal !== 'changed', sideEffects: effects.get(p)!, errors: p.errors });
    });
  } catch (err) {
    for (const p of items) fail(p, err, `${showPath(p.request.path)} is in quarantine, but could not be marked complete; the next start finishes it`);
    return;
  }
  for (const p of items) {
    const removed = p.removal !== 'changed';
    // The record as written, rather than read back: a query per item costs more than the rest of
    // the bookkeeping together.
    const item: QuarantineItem = {
      ...p.record!, phase: 'complete', errors: p.errors, sideEffects: effects.get(p)!, originalRemoved: removed, restoreTarget: null, restoredAt: null,
    };
    store.events({
      name: 'quarantined',
      severity: 'warning',
      message: `${showPath(p.request.path)} quarantined (${item.virusName})${removed ? '' : '; the original changed meanwhile and was left in place'}`,
      data: { id: p.id, path: showPath(p.request.path), virus: item.virusName, sequence: p.request.definitionsSequence, sideEffects: p.captured.length, ...daemonReloadOf(item.sideEffects),
        ...(p.warnings.length > 0 && { sideEffectWarnings: firstWarnings(p.warnings) }) },
    });
    results[p.index] = { ok: true, outcome: { item, originalRemoved: removed } };
  }
}

/**
 * Waits for each item's step (several items may share one promise); those whose step failed
 * get an error result and are left as they are: recorded, so recovery finishes them at the
 * next start.
 */
async function keepIf(
  items: Pending[],
  step: (p: Pending) => Promise<void>,
  fail: FailItem,
  message: string,
): Promise<Pending[]> {
  // allSettled attaches a handler to every promise at once, so none can reject unhandled.
  const outcomes = await Promise.allSettled(items.map(step));
  const kept: Pending[] = [];
  for (const [i, p] of items.entries()) {
    const o = outcomes[i]!;
    if (o.status === 'fulfilled') kept.push(p);
    else fail(p, o.reason, `${showPath(p.request.path)} ${message}`);
  }
  return kept;
}

/**
 * Forgets items whose originals were never touched: records, then temp blobs. Never throws: a
 * record left behind is dropped by recovery, which finds its package missing or not whole.
 */
async function drop(store: QuarantineStore, items: readonly Pending[]): Promise<void> {
  if (items.length === 0) return;
  try {
    store.records.transaction(() => items.forEach((p) => store.records.remove(p.id)));
  } catch {
    // See above: recovery finishes the job.
  }
  for (const p of items) await p.blob.discard();
}

/** At most 20 warnings go into an event: a search that skips every rc file says it in a few. */
function firstWarnings(warnings: readonly string[]): string[] {
  return warnings.length <= 20 ? [...warnings] : [...warnings.slice(0, 20), `... and ${warnings.length - 20} more`];
}

/** `{ daemonReload }` when a removed systemd unit needs systemd to reload (see side-effect-port.ts). */
function daemonReloadOf(effects: readonly StoredSideEffect[]): { daemonReload?: unknown } {
  const flagged = effects.find((e) => e['daemonReload'] !== undefined);
  return flagged === undefined ? {} : { daemonReload: flagged['daemonReload'] };
}

function newRecord(p: Pending): NewItem {
  // Only what the package says (rebuild reads it back from there), plus what the copy measured.
  const { originalPathBytes, ...meta } = p.meta;
  return {
    ...meta,
    originalPathBytes: originalPathBytes === undefined ? null : Buffer.from(originalPathBytes, 'base64'),
    size: p.written.size,
    sha256: p.written.sha256,
    packageSize: p.written.packageSize,
    status: 'Quarantined',
    state: 'infected',
  };
}
