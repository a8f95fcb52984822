import { linkSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { faultPoint } from './fault-injection.js';
import { fsyncDirAsync } from './fsync-dir.js';
import type { DurableFile } from './package-writer.js';
import { QuarantineError } from './quarantine-errors.js';
import type { QuarantineItem, SampleState } from './quarantine-item.js';
import type { QuarantineStore } from './quarantine-store.js';
import { abandonRestore, foldersToSync, makeParents, removeCreated, restoreTempPath, writeVerifiedCopy } from './restore-copy.js';
import { chooseRestoreTarget } from './restore-target.js';

export { restoreTempPath } from './restore-copy.js';

export interface RestoreOptions {
  /** Restore into this folder instead of the original place. */
  readonly to?: string;
  /** Pick a free name beside an occupied target instead of refusing. */
  readonly rename?: boolean;
  /** State to record: `misfired` when new definitions cleared it, else unchanged. */
  readonly state?: SampleState;
  /** Why, for the event ("restored by user", "no longer detected by sequence 9"). */
  readonly reason: string;
}

export interface RestoreOutcome {
  readonly id: string;
  readonly path: string;
  readonly notes: readonly string[];
}

/** One result per id, in order. */
export type RestoreResult = { readonly id: string } & (
  | { readonly ok: true; readonly outcome: RestoreOutcome }
  | { readonly ok: false; readonly error: QuarantineError });

/**
 * Chunk bounds: open files, held side-effect bytes, and restored data not yet durable (whose
 * fsyncs all wait for the end of the chunk). Each chunk costs one durable and one lazy commit.
 */
const CHUNK_ITEMS = 500;
const CHUNK_BYTES = 1 << 30;

/**
 * Restores an item and its side effects, all or nothing: `restoreMany` of one.
 * @throws QuarantineError: `occupied`, `malformed` (escape), `content` (checksum; item kept),
 *   `missing` (no such item/package), `internal`.
 */
export async function restoreItem(store: QuarantineStore, id: string, options: RestoreOptions): Promise<RestoreOutcome> {
  const [result] = await restoreMany(store, [id], options);
  if (!result!.ok) throw result!.error;
  return result!.outcome;
}

interface Restoring {
  readonly index: number;
  readonly item: QuarantineItem;
  readonly target: string;
  readonly tmp: string;
  readonly createdDirs: string[];
  file?: DurableFile;
  contents?: (Buffer | undefined)[];
}

/**
 * Restores many items, each all or nothing, with a few fsync rounds for the lot. Per chunk:
 * 1. each target is chosen (never an existing file, never outside where it should go);
 * 2. one durable commit marks every item `restoring` with its target;
 * 3. each item is decrypted to a temp file beside its target, checked (GCM tag and SHA-256)
 *    and given owner, mode and times; all temp files are fsynced concurrently;
 * 4. each is linked into place with link(2), which never overwrites, and each distinct target
 *    folder (and the parent of any folder created) is fsynced once;
 * 5. side effects are put back;
 * 6. one lazy (not fsynced) commit marks the items `restored`, then their blobs are deleted.
 * A crash at any point: recovery finds the target (by the recorded name) and finishes when it
 * is in place with the right content or the blob is already gone, else removes the temp file
 * and puts the item back to `complete`.
 * Never throws: one result per id, in order. A failed item stays in quarantine with the error
 * recorded (or, if only the last commit failed, is in place and finished by the next start).
 */
export async function restoreMany(store: QuarantineStore, ids: readonly string[], options: RestoreOptions): Promise<RestoreResult[]> {
  const results: RestoreResult[] = new Array(ids.length);
  const deferred: number[] = [];
  for (let next = 0; next < ids.length; ) {
    const claimed = new Set<string>();
    const chunk: Restoring[] = [];
    let bytes = 0;
    for (; next < ids.length && chunk.length < CHUNK_ITEMS && bytes < CHUNK_BYTES; next++) {
      const i = next;
      try {
        const r = prepare(store, i, ids[i]!, options);
        // Two items bound for one path (the same file quarantined twice): the second waits
        // until the first is in place, then gets `occupied` or, with `rename`, a free name.
        if (claimed.has(r.target)) deferred.push(i);
        else {
          claimed.add(r.target);
          chunk.push({ ...r, createdDirs: makeParents(dirname(r.target)) });
          bytes += r.item.size;
        }
      } catch (err) {
        results[i] = { id: ids[i]!, ok: false, error: asQuarantineError(err, ids[i]!) };
      }
    }
    await restoreChunk(store, chunk, options, results);
  }
  if (deferred.length > 0) {
    const again = await restoreMany(store, deferred.map((i) => ids[i]!), options);
    deferred.forEach((i, k) => (results[i] = again[k]!));
  }
  return results;
}

/** Step 1 for one id. @throws QuarantineError `missing`, `malformed` or `occupied`. */
function prepare(store: QuarantineStore, index: number, id: string, options: RestoreOptions): Omit<Restoring, 'createdDirs'> {
  const item = store.records.get(id);
  if (!item || (item.phase !== 'complete' && item.phase !== 'stored')) {
    throw new QuarantineError('missing', `no quarantined item ${id}`, { id });
  }
  const target = chooseRestoreTarget(store.root, item, options.to, options.rename ?? false).path;
  return { index, item, target, tmp: restoreTempPath(target, id) };
}

/** Steps 2 to 6 for a chunk whose targets are chosen. */
async function restoreChunk(store: QuarantineStore, chunk: Restoring[], options: RestoreOptions, results: RestoreResult[]): Promise<void> {
  const fail = (r: Restoring, err: unknown): void => {
    results[r.index] = { id: r.item.id, ok: false, error: abandonRestore(store, r.item, r.tmp, r.createdDirs, err) };
  };
  // 2. Durable intent: recovery must know every target before anything appears there.
  let begun: boolean[];
  try {
    begun = store.records.transaction(() => chunk.map((r) => store.records.beginRestore(r.item.id, r.target)));
  } catch (err) {
    for (const r of chunk) {
      removeCreated(r.createdDirs);
      results[r.index] = { id: r.item.id, ok: false, error: asQuarantineError(err, r.item.id) };
    }
    return;
  }
  let live: Restoring[] = [];
  for (const [k, r] of chunk.entries()) {
    if (begun[k]) live.push(r);
    else fail(r, new QuarantineError('internal', `item ${r.item.id} is busy`, { id: r.item.id }));
  }
  if (live.length === 0) return;
  faultPoint('restore:after-intent');
  // 3. Verified temp copies, fsynced in one concurrent round.
  const written: Restoring[] = [];
  for (const r of live) {
    try {
      Object.assign(r, await writeVerifiedCopy(store, r.item, r.tmp));
      written.push(r);
    } catch (err) {
      fail(r, err);
    }
    faultPoint('restore:after-temp-write');
  }
  live = await keepIf(written, (r) => r.file!.sync(), fail);
  // 4. Into place, never over an existing file; then the folders' new entries made durable.
  const linked: Restoring[] = [];
  for (const r of live) {
    try {
      const conflicts = await store.sideEffects.check(r.item.sideEffects, r.contents!);
      if (conflicts.length > 0) throw new QuarantineError('occupied', `side effects can't be restored: ${conflicts.join('; ')}`, { id: r.item.id });
      linkSync(r.tmp, r.target);
      linked.push(r);
    } catch (err) {
      fail(r, linkError(err, r));
    }
    // The file is in place under its name: the temp name is only a leftover now.
    unlinkQuietly(r.tmp);
    faultPoint('restore:after-link');
  }
  const folders = new Map<string, Promise<void>>();
  for (const r of linked) for (const d of foldersToSync(r.target, r.createdDirs)) if (!folders.has(d)) folders.set(d, fsyncDirAsync(d));
  live = await keepIf(linked, (r) => Promise.all(foldersToSync(r.target, r.createdDirs).map((d) => folders.get(d)!)).then(() => {}), (r, err) => {
    unlinkQuietly(r.target);
    fail(r, err);
  });
  // 5. Side effects, all or none per item.
  const done: { r: Restoring; notes: string[] }[] = [];
  for (const r of live) {
    try {
      done.push({ r, notes: await store.sideEffects.restore(r.item.sideEffects, r.contents!) });
    } catch (err) {
      unlinkQuietly(r.target);
      fail(r, new QuarantineError('internal', `restore of ${r.item.id} undone: ${(err as Error).message}`, { id: r.item.id, path: r.target }, { cause: err }));
    }
    faultPoint('restore:after-side-effects');
  }
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

/** Waits for each item's step; those whose step failed go to `fail` and drop out. */
async function keepIf(items: Restoring[], step: (r: Restoring) => Promise<void>, fail: (r: Restoring, err: unknown) => void): Promise<Restoring[]> {
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

function asQuarantineError(err: unknown, id: string): QuarantineError {
  if (err instanceof QuarantineError) return err;
  return new QuarantineError('internal', `restore of ${id} failed: ${(err as Error).message}`, { id }, { cause: err });
}
