import { dirname } from 'node:path';
import type { Db } from '../store/open-database.js';
import { withEditLock } from './edit-lock.js';
import type { StoredSideEffect } from './quarantine-item.js';
import type { QuarantineStore } from './quarantine-store.js';
import type { CapturedSideEffect, SideEffectRestoreOutcome } from './side-effect-port.js';

/** One item's side effects to remove. */
export interface ItemRemoval {
  readonly id: string;
  readonly captured: readonly CapturedSideEffect[];
}

/** One item's side effects to put back. */
export interface ItemPutBack {
  readonly id: string;
  readonly effects: readonly StoredSideEffect[];
  readonly contents: readonly (Buffer | undefined)[];
}

const heldStatements = new WeakMap<Db, ReturnType<Db['prepare']>>();

/**
 * Removes the side effects of many items in one pass per persistence file, and commits what was
 * removed (durably) before the next edit of this quarantine may start: a line's position is
 * computed from the lines other items hold, so that set must be exact when each edit begins.
 * Returns each item's effects as removed (see `SideEffectPort.remove`), in order.
 * @throws what the port throws (the records are then left as they were).
 */
export async function removeItemsSideEffects(store: QuarantineStore, items: readonly ItemRemoval[]): Promise<StoredSideEffect[][]> {
  if (items.every((i) => i.captured.length === 0)) return items.map(() => []);
  return withEditLock(dirname(store.blobDir), async () => {
    const held = heldEffects(store, new Set(items.map((i) => i.id)));
    const removed = await store.sideEffects.remove(items.map((i) => i.captured), held);
    try {
      store.records.transaction(() => items.forEach((item, k) => item.captured.length > 0 && store.records.setSideEffects(item.id, removed[k]!)));
    } catch {
      // Written again by the item's completing commit; if that fails too, its result says so.
    }
    return removed;
  });
}

/**
 * Puts back the side effects of many items, all or none per item, one pass per persistence
 * file, serialised with every other side-effect edit of this quarantine. Never throws for an
 * item's failure (its outcome says it).
 * @throws what the port throws for a malfunction (an unusable root).
 */
export async function putBackItemsSideEffects(store: QuarantineStore, items: readonly ItemPutBack[]): Promise<SideEffectRestoreOutcome[]> {
  if (items.every((i) => i.effects.length === 0)) return items.map(() => ({ ok: true, notes: [] }));
  return withEditLock(dirname(store.blobDir), async () => {
    const held = heldEffects(store, new Set(items.map((i) => i.id)));
    const outcomes = await store.sideEffects.restore(items, held);
    // Lines that are back no longer count as held, although the item stays `restoring` until the
    // restore's last commit: marked in its record now, inside the job, for every process to see.
    try {
      store.records.transaction(() => outcomes.forEach((o, k) => o.ok && store.records.setSideEffects(items[k]!.id, markBack(items[k]!.effects))));
    } catch {
      // The item's restore is finished by its own commit; if that fails, recovery finishes it.
    }
    return outcomes;
  });
}

/** The effects with each removed line marked `back` (it is in its file again). */
function markBack(effects: readonly StoredSideEffect[]): StoredSideEffect[] {
  return effects.map((e) => (e.kind === 'line' && e.removed === true ? { ...e, back: true } : e));
}

/**
 * The stored effects of the items whose side effects are out of the system, except `exclude`:
 * the removed lines of items in quarantine (stored, complete, or restoring), less those a restore
 * already put back (`back`).
 */
function heldEffects(store: QuarantineStore, exclude: ReadonlySet<string>): StoredSideEffect[] {
  let stmt = heldStatements.get(store.db);
  if (stmt === undefined) {
    // The LIKE only narrows the rows to parse; the kind and `removed` are checked on the JSON.
    stmt = store.db.prepare(`SELECT id, side_effects FROM quarantine_items
      WHERE phase IN ('stored', 'complete', 'restoring') AND side_effects LIKE @pattern`);
    heldStatements.set(store.db, stmt);
  }
  const rows = stmt.all({ pattern: '%"kind":"line"%' }) as { id: string; side_effects: string }[];
  const held: StoredSideEffect[] = [];
  for (const row of rows) {
    if (exclude.has(row.id)) continue;
    held.push(...(JSON.parse(row.side_effects) as StoredSideEffect[]).filter((e) => e.kind === 'line' && e.removed === true && e['back'] !== true));
  }
  return held;
}
