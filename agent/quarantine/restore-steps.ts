/** Steps 2 to 6 of restoreMany, each for the items of a chunk still going. */
import { unlinkSync } from 'node:fs';
import { dirnameFsPath, fsPathKey, fsPathText, showPath, type FsPath } from '../fs-path.js';
import { linkEntry, unlinkEntryQuietly } from '../safe-fs/folder-entries.js';
import type { BeneathFolder } from '../safe-fs/open-folder-beneath.js';
import { describeWriteError } from './write-errors.js';
import { faultPoint } from './fault-injection.js';
import { fsyncAsync, fsyncDirAsync } from './fsync-dir.js';
import type { DurableFile } from './package-writer.js';
import { QuarantineError } from './quarantine-errors.js';
import type { QuarantineItem } from './quarantine-item.js';
import type { QuarantineStore } from './quarantine-store.js';
import { isInside, toSystemPath } from './system-path.js';
import { writeVerifiedCopy } from './restore-copy.js';
import { parentsOfCreated, removeCreated } from '../safe-fs/created-folders.js';
import type { RestoreOptions, RestoreResult } from './restore-item.js';
import { putBackItemsSideEffects } from './side-effect-edits.js';
import type { DaemonReload, SideEffectRestoreOutcome } from './side-effect-port.js';

/**
 * An item being restored; `file` and `contents` are set once its temp copy is written. `target`
 * and `tmp` are for records and messages: every step acts on `name` and `tmpName` relative to
 * `folder`, opened beneath `boundary` without following a link a user could have planted.
 */
export interface Restoring {
  readonly index: number;
  readonly item: QuarantineItem;
  readonly target: FsPath;
  readonly tmp: FsPath;
  readonly boundary: string;
  readonly folder: BeneathFolder;
  readonly name: FsPath;
  readonly tmpName: string;
  file?: DurableFile;
  contents?: (Buffer | undefined)[];
}

/** An item in place with its side effects back, and a note per side effect. */
export interface Restored {
  readonly r: Restoring;
  readonly notes: string[];
  /** Set when a systemd unit went back (see `DaemonReload`). */
  readonly daemonReload?: DaemonReload;
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
      fail(r, targetWriteError(err, r));
    }
    faultPoint('restore:after-temp-write');
  }
  return keepIf(written, (r) => r.file!.sync(), (r, err) => fail(r, targetWriteError(err, r)));
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
  const folders = new Map<string, Promise<void>>();
  // The target's folder through the fd it was linked in; the parents of folders created on the
  // way by path (an fsync writes nothing, so a path swapped meanwhile can't do harm there).
  for (const r of linked) {
    const own = fsPathKey(dirnameFsPath(r.target));
    if (!folders.has(own)) folders.set(own, fsyncAsync(r.folder.fd));
    for (const d of parentsOfCreated(r.folder.created)) if (!folders.has(fsPathKey(d))) folders.set(fsPathKey(d), fsyncDirAsync(d));
  }
  const synced = (r: Restoring): Promise<void> =>
    Promise.all([dirnameFsPath(r.target), ...parentsOfCreated(r.folder.created)].map((d) => folders.get(fsPathKey(d))!)).then(() => {});
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
  // 5. Side effects of the chunk in one pass per persistence file, all or none per item.
  const done: Restored[] = [];
  let outcomes: SideEffectRestoreOutcome[];
  try {
    outcomes = await putBackItemsSideEffects(store, items.map((r) => ({ id: r.item.id, effects: r.item.sideEffects, contents: r.contents! })));
  } catch (err) {
    outcomes = items.map(() => ({ ok: false, error: err as Error }));
  }
  for (const [k, r] of items.entries()) {
    const o = outcomes[k]!;
    if (o.ok) done.push({ r, notes: o.notes, ...(o.daemonReload !== undefined && { daemonReload: o.daemonReload }) });
    else {
      unlinkEntryQuietly(r.folder, r.name);
      fail(r, new QuarantineError('internal', `restore of ${r.item.id} undone: ${o.error.message}`, { id: r.item.id, path: showPath(r.target) }, { cause: o.error }));
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
      results[r.index] = { id: r.item.id, ok: false, error: new QuarantineError('internal', `${showPath(r.target)} is restored, but the quarantine database could not record it; the next start finishes it: ${(err as Error).message}`, { id: r.item.id, path: showPath(r.target) }, { cause: err }) };
    }
    return;
  }
  for (const { r, notes, daemonReload } of done) {
    unlinkQuietly(store.blobPath(r.item.id));
    // `path` in the form every event uses (inside the root); `to` says where it went.
    const target = fsPathText(r.target);
    const to = showPath(isInside(store.root, target) ? toSystemPath(store.root, r.target) : r.target);
    store.events({
      name: 'restored',
      severity: 'info',
      message: `${r.item.originalPath} restored${to === r.item.originalPath ? '' : ` to ${to}`} (${options.reason})`,
      data: { id: r.item.id, path: r.item.originalPath, to, reason: options.reason, sideEffects: notes, ...(daemonReload !== undefined && { daemonReload }) },
    });
    results[r.index] = { id: r.item.id, ok: true, outcome: { id: r.item.id, path: typeof r.target === 'string' ? r.target : showPath(r.target), notes } };
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

/** A failed write of the restored copy in words: a full disk names the target's folder. */
function targetWriteError(err: unknown, r: Restoring): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (err instanceof QuarantineError || typeof code !== 'string') return err;
  const folder = showPath(dirnameFsPath(r.target));
  return new QuarantineError('internal', `can't restore ${showPath(r.target)}: ${describeWriteError(err, folder)}; nothing was written there and the item stays in quarantine`,
    { id: r.item.id, path: showPath(r.target) }, { cause: err });
}

/** link(2) refuses an existing target: someone created the file since the target was chosen. */
function linkError(err: unknown, r: Restoring): unknown {
  if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return err;
  return new QuarantineError('occupied', `${showPath(r.target)} appeared while restoring; restore with --rename to put it beside, or --to DIR`, { id: r.item.id, path: showPath(r.target) }, { cause: err });
}

function unlinkQuietly(path: FsPath): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone: what matters is the record, which recovery reconciles.
  }
}
