import { chunkItems } from './chunk-items.js';
import { fsPathKey, joinFsPath } from '../fs-path.js';
import { closeFolder } from '../safe-fs/open-folder-beneath.js';
import { faultPoint } from './fault-injection.js';
import { QuarantineError } from './quarantine-errors.js';
import type { SampleState } from './quarantine-item.js';
import type { QuarantineStore } from './quarantine-store.js';
import { abandonRestore, refuseRestore, restoreTempName } from './restore-copy.js';
import { removeCreated } from '../safe-fs/created-folders.js';
import {
  beginRestores, commitRestored, linkIntoPlace, restoreSideEffects, writeTempCopies, type FailRestore, type Restoring,
} from './restore-steps.js';
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
  /** Where it went: exact, or its display form (`\xNN` escapes) when the name is not valid UTF-8. */
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
    for (; next < ids.length && chunk.length < chunkItems() && bytes < CHUNK_BYTES; next++) {
      const i = next;
      try {
        const r = prepare(store, i, ids[i]!, options);
        // Two items bound for one path (the same file quarantined twice): the second waits
        // until the first is in place, then gets `occupied` or, with `rename`, a free name.
        if (claimed.has(fsPathKey(r.target))) {
          deferred.push(i);
          closeFolder(r.folder);
          removeCreated(r.boundary, r.folder.created);
        } else {
          claimed.add(fsPathKey(r.target));
          chunk.push(r);
          bytes += r.item.size;
        }
      } catch (err) {
        results[i] = { id: ids[i]!, ok: false, error: refuseRestore(store, ids[i]!, err) };
      }
    }
    try {
      await restoreChunk(store, chunk, options, results);
    } finally {
      for (const r of chunk) closeFolder(r.folder);
    }
  }
  if (deferred.length > 0) {
    const again = await restoreMany(store, deferred.map((i) => ids[i]!), options);
    deferred.forEach((i, k) => (results[i] = again[k]!));
  }
  return results;
}

/**
 * Step 1 for one id: its target chosen and its folder opened (made if missing); the caller
 * closes `folder`.
 * @throws QuarantineError `missing`, `malformed`, `occupied` or `internal`.
 */
function prepare(store: QuarantineStore, index: number, id: string, options: RestoreOptions): Restoring {
  const item = store.records.get(id);
  if (!item || (item.phase !== 'complete' && item.phase !== 'stored')) {
    throw new QuarantineError('missing', `no quarantined item ${id}`, { id });
  }
  const chosen = chooseRestoreTarget(store.root, item, options.to, options.rename ?? false);
  const target = chosen.path;
  const tmpName = restoreTempName(id);
  return { index, item, target, tmp: joinFsPath(chosen.folder.path, tmpName), boundary: chosen.boundary, folder: chosen.folder, name: chosen.name, tmpName };
}

/** Steps 2 to 6 for a chunk whose targets are chosen; each item that fails gets its error result. */
async function restoreChunk(store: QuarantineStore, chunk: Restoring[], options: RestoreOptions, results: RestoreResult[]): Promise<void> {
  const fail: FailRestore = (r, err) => {
    results[r.index] = { id: r.item.id, ok: false, error: abandonRestore(store, r.item, r, err) };
  };
  let live = beginRestores(store, chunk, results, fail);
  if (live.length === 0) return;
  faultPoint('restore:after-intent');
  live = await writeTempCopies(store, live, fail);
  live = await linkIntoPlace(store, live, fail);
  const done = await restoreSideEffects(store, live, fail);
  commitRestored(store, done, options, results);
}
