import type { Db } from '../store/open-database.js';
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

/**
 * Per quarantine (state folder): the tail of the edits under way, and the items whose side
 * effects are back in the system although their record still says `restoring` (until the
 * restore's last commit): those no longer count as held.
 */
interface EditState {
  tail: Promise<void>;
  readonly back: Set<string>;
}
const states = new Map<string, EditState>();
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
  return serialise(store, async () => {
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
  return serialise(store, async () => {
    const state = stateOf(store);
    const held = heldEffects(store, new Set(items.map((i) => i.id)));
    const outcomes = await store.sideEffects.restore(items, held);
    outcomes.forEach((o, k) => o.ok && state.back.add(items[k]!.id));
    return outcomes;
  });
}

function stateOf(store: QuarantineStore): EditState {
  let state = states.get(store.blobDir);
  if (state === undefined) {
    state = { tail: Promise.resolve(), back: new Set() };
    states.set(store.blobDir, state);
  }
  return state;
}

async function serialise<T>(store: QuarantineStore, fn: () => Promise<T>): Promise<T> {
  const state = stateOf(store);
  const previous = state.tail;
  let release!: () => void;
  state.tail = new Promise<void>((resolve) => (release = resolve));
  try {
    await previous;
    return await fn();
  } finally {
    release();
  }
}

/**
 * The stored effects of the items whose side effects are out of the system, except `exclude`:
 * items in quarantine (stored, complete, or restoring but not yet back) with a line effect.
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
  const state = stateOf(store);
  const stillRestoring = new Set<string>();
  const held: StoredSideEffect[] = [];
  for (const row of rows) {
    if (state.back.has(row.id)) stillRestoring.add(row.id);
    if (exclude.has(row.id) || state.back.has(row.id)) continue;
    held.push(...(JSON.parse(row.side_effects) as StoredSideEffect[]).filter((e) => e.kind === 'line' && e.removed === true));
  }
  // An item that left the held phases (restored at last) needs no remembering.
  for (const id of state.back) if (!stillRestoring.has(id)) state.back.delete(id);
  return held;
}
