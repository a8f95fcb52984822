/** Steps 2 to 6 of restoreMany, each for the items of a chunk still going. */
import { unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { linkEntry, unlinkEntryQuietly } from '../safe-fs/folder-entries.js';
import type { BeneathFolder } from '../safe-fs/open-folder-beneath.js';
import { faultPoint } from './fault-injection.js';
import { fsyncAsync, fsyncDirAsync } from './fsync-dir.js';
import type { DurableFile } from './package-writer.js';
import { QuarantineError } from './quarantine-errors.js';
import type { QuarantineItem } from './quarantine-item.js';
import type { QuarantineStore } from './quarantine-store.js';
import { writeVerifiedCopy } from './restore-copy.js';
import { parentsOfCreated, removeCreated } from '../safe-fs/created-folders.js';
import type { RestoreOptions, RestoreResult } from './restore-item.js';

/**
 * An item being restored; `file` and `contents` are set once its temp copy is written. `target`
 * and `tmp` are for records and messages: every step acts on `name` and `tmpName` relative to
 * `folder`, opened beneath `boundary` without following a link a user could have planted.
 */
export interface Restoring {
  readonly index: number;
  readonly item: QuarantineItem;
  readonly target: string;
  readonly tmp: string;
  readonly boundary: string;
  readonly folder: BeneathFolder;
  readonly name: string;
  readonly tmpName: string;
  file?: DurableFile;
  contents?: (Buffer | undefined)[];
}

/** An item in place with its side effects back, and a note per side effect. */
export interface Restored {
  readonly r: Restoring;
  readonly notes: string[];
}

/** Puts a failed item back in quarantine and gives it its error result. */
export type FailRestore = (r: Restoring, err: unknown) => void;

/**
 * Step 2: one durable commit marks every item `restoring` with its target. Returns the items
 * marked; the others (busy, or all of them if the commit failed) get their error result.
 * Never throws.
 */
export function beginRestores(store: QuarantineStore, chunk: Restoring[], results: RestoreResult[], fail: FailRestore): Restoring[] {
  // 2. Durable intent: recovery must know every target before anything appears there.
  let begun: boolean[];
  try {
    begun = store.records.transaction(() => chunk.map((r) => store.records.beginRestore(r.item.id, r.target)));
  } catch (err) {
    for (const r of chunk) {
      removeCreated(r.boundary, r.folder.created);
      results[r.index] = { id: r.item.id, ok: false, error: asRestoreError(err, r.item.id) };
    }
    return [];
  }
  const live: Restoring[] = [];
  for (const [k, r] of chunk.entries()) {
    if (begun[k]) live.push(r);
    else fail(r, new QuarantineError('internal', `item ${r.item.id} is busy`, { id: r.item.id }));
  }
  return live;
}

/**
 * Step 3: each item decrypted to its verified temp copy; all of them fsynced concurrently.
 * Returns the items whose copy is durable; the others failed. Never throws.
 */
export async function writeTempCopies(store: QuarantineStore, items: Restoring[], fail: FailRestore): Promise<Restoring[]> {
  // 3. Verified temp copies, fsynced in one concurrent round.
  const written: Restoring[] = [];
  for (const r of items) {
    try {
      Object.assign(r, await writeVerifiedCopy(store, r.item, r.folder, r.tmpName));
      written.push(r);
    } catch (err) {
      fail(r, err);
    }
    faultPoint('restore:after-temp-write');
  }
  return keepIf(written, (r) => r.file!.sync(), fail);
}

/**
 * Step 4: each item linked into place (never over an existing file, nor with side effects that
 * conflict), then each distinct folder fsynced once. Returns the items durably in place; the
 * others failed, with nothing left at their target. Never throws.
 */
export async function linkIntoPlace(store: QuarantineStore, items: Restoring[], fail: FailRestore): Promise<Restoring[]> {
  // 4. Into place, never over an existing file; then the folders' new entries made durable.
  const linked: Restoring[] = [];
  for (const r of items) {
    try {
      const conflicts = await store.sideEffects.check(r.item.sideEffects, r.contents!);
      if (conflicts.length > 0) throw new QuarantineError('occupied', `side effects can't be restored: ${conflicts.join('; ')}`, { id: r.item.id });
      linkEntry(r.folder, r.tmpName, r.name);
      linked.push(r);
    } catch (err) {
      fail(r, linkError(err, r));
    }
    // The file is in place under its name: the temp name is only a leftover now.
    unlinkEntryQuietly(r.folder, r.tmpName);
    faultPoint('restore:after-link');
  }
  // The target's folder through the fd it was linked in; the parents of folders created on the
  // way by path (an fsync writes nothing, so a path swapped meanwhile can't do harm there).
  const folders = new Map<string, Promise<void>>();
  for (const r of linked) {
    const own = dirname(r.target);
    if (!folders.has(own)) folders.set(own, fsyncAsync(r.folder.fd));
    for (const d of parentsOfCreated(r.folder.created)) if (!folders.has(d)) folders.set(d, fsyncDirAsync(d));
  }
  const synced = (r: Restoring): Promise<void> =>
    Promise.all([dirname(r.target), ...parentsOfCreated(r.folder.created)].map((d) => folders.get(d)!)).then(() => {});
  return keepIf(linked, synced, (r, err) => {
    unlinkEntryQuietly(r.folder, r.name);
    fail(r, err);
  });
}

/**
 * Step 5: each item's side effects put back, all or none per item. Returns the items done
 * with their notes; for the others the restore is undone and they failed. Never throws.
 */
export async function restoreSideEffects(store: QuarantineStore, items: Restoring[], fail: FailRestore): Promise<Restored[]> {
  // 5. Side effects, all or none per item.
  const done: Restored[] = [];
  for (const r of items) {
    try {
      done.push({ r, notes: await store.sideEffects.restore(r.item.sideEffects, r.contents!) });
    } catch (err) {
      unlinkEntryQuietly(r.folder, r.name);
      fail(r, new QuarantineError('internal', `restore of ${r.item.id} undone: ${(err as Error).message}`, { id: r.item.id, path: r.target }, { cause: err }));
    }
    faultPoint('restore:after-side-effects');
  }
  return done;
}

/**
 * Step 6: one lazy commit marks the items `restored`, then their blobs are deleted and each is
 * reported (event and result). If the commit fails, each item gets an error result instead
 * and its blob is kept. Never throws.
 */
export function commitRestored(store: QuarantineStore, done: Restored[], options: RestoreOptions, results: RestoreResult[]): void {
  // 6. Lazy commit: if lost, recovery sees `restoring` with the file in place and finishes.
  try {
    store.records.lazyTransaction(() => {
      for (const { r } of done) store.records.markRestored(r.item.id, options.state ?? r.item.state);
    });
  } catch (err) {
    // The files are in place and their packages kept: the next start sees them and finishes.
    for (const { r } of done) {
      results[r.index] = { id: r.item.id, ok: false, error: new QuarantineError('internal', `${r.target} is restored, but the quarantine database could not record it; the next start finishes it: ${(err as Error).message}`, { id: r.item.id, path: r.target }, { cause: err }) };
    }
    return;
  }
  for (const { r, notes } of done) {
    unlinkQuietly(store.blobPath(r.item.id));
    store.events({
      name: 'restored',
      severity: 'info',
      message: `${r.item.originalPath} restored to ${r.target} (${options.reason})`,
      data: { id: r.item.id, path: r.target, reason: options.reason, sideEffects: notes },
    });
    results[r.index] = { id: r.item.id, ok: true, outcome: { id: r.item.id, path: r.target, notes } };
  }
}

/** `err` as a QuarantineError for a result: kept as is, or wrapped as `internal`. */
export function asRestoreError(err: unknown, id: string): QuarantineError {
  if (err instanceof QuarantineError) return err;
  return new QuarantineError('internal', `restore of ${id} failed: ${(err as Error).message}`, { id }, { cause: err });
}

/** Waits for each item's step; those whose step failed go to `fail` and drop out. */
async function keepIf(items: Restoring[], step: (r: Restoring) => Promise<void>, fail: FailRestore): Promise<Restoring[]> {
  // allSettled attaches a handler to every promise at once, so none can reject unhandled.
  const outcomes = await Promise.allSettled(items.map(step));
  const kept: Restoring[] = [];
  for (const [k, r] of items.entries()) {
    const o = outcomes[k]!;
    if (o.status === 'fulfilled') kept.push(r);
    else fail(r, o.reason);
  }
  return kept;
}

/** link(2) refuses an existing target: someone created the file since the target was chosen. */
function linkError(err: unknown, r: Restoring): unknown {
  if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return err;
  return new QuarantineError('occupied', `${r.target} appeared while restoring; restore with --rename to put it beside, or --to DIR`, { id: r.item.id, path: r.target }, { cause: err });
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone: what matters is the record, which recovery reconciles.
  }
}
