/**
 * Choosing the set to scan with when the agent (or an `epq defs` command) starts: what the store
 * says is active, with fallbacks so that a damaged store never leaves the agent without
 * definitions.
 */
import type { TrustedKey } from '../../definitions/keys.js';
import type { EventSink } from '../events/agent-event.js';
import { loadBuiltinDefinitions, loadDefinitionsSet, type LoadedDefinitions } from './active-definitions.js';
import type { DefinitionsStore } from './definitions-store.js';
import { describeError } from './store-errors.js';
import type { ActivePointer, StoredSetEntry } from './store-layout.js';

/**
 * Loads the set to scan with at start: the one active.json names; if it fails to verify or
 * load, the newest older kept set that does (with events); the built-in set (sequence 0) when
 * nothing was installed or nothing kept loads.
 * @throws only when the built-in set itself is broken (an installation problem).
 */
export async function loadActiveDefinitions(store: DefinitionsStore, trustedKeys: readonly TrustedKey[], events: EventSink): Promise<LoadedDefinitions> {
  let pointer: ActivePointer | null = null;
  let pointerId: string | null = null;
  try {
    pointer = await store.readPointer();
    pointerId = pointer?.id ?? null;
  } catch (err) {
    pointerId = '';
    events({
      name: 'definitions refused',
      severity: 'error',
      message: `Definitions pointer ${store.activePath} is unusable (${describeError(err)}); looking for a kept set`,
      data: { package: store.activePath, reason: describeError(err) },
    });
  }
  if (pointer === null && pointerId === null) return loadBuiltinDefinitions(null);
  const sets = await store.listSets().catch(() => [] as StoredSetEntry[]);
  let failed: number | null = null;
  if (pointer) {
    try {
      return loadDefinitionsSet(await store.readSet(pointer.sequence, trustedKeys), store.setPath(pointer.sequence), pointerId);
    } catch (err) {
      failed = pointer.sequence;
      events({
        name: 'definitions refused',
        severity: 'error',
        message: `Stored active definitions sequence ${pointer.sequence} refused: ${describeError(err)}`,
        data: { package: store.setPath(pointer.sequence), sequence: pointer.sequence, reason: describeError(err) },
      });
    }
  }
  const candidates = pointer ? sets.filter((s) => s.sequence < pointer.sequence) : sets;
  const from = failed === null ? 'an unusable active.json' : `sequence ${failed}`;
  for (const entry of candidates) {
    try {
      const loaded = loadDefinitionsSet(await store.readSet(entry.sequence, trustedKeys), entry.path, pointerId);
      events({
        name: 'definitions rolled back',
        severity: 'warning',
        message: `Using kept definitions sequence ${entry.sequence} instead of ${from}`,
        data: { from: failed, to: entry.sequence, automatic: true },
      });
      return loaded;
    } catch (err) {
      events({
        name: 'definitions refused',
        severity: 'error',
        message: `Kept definitions sequence ${entry.sequence} refused: ${describeError(err)}`,
        data: { package: entry.path, sequence: entry.sequence, reason: describeError(err) },
      });
    }
  }
  const builtin = await loadBuiltinDefinitions(pointerId);
  events({
    name: 'definitions rolled back',
    severity: 'error',
    message: `No kept definitions set loads; using the built-in definitions (sequence ${builtin.sequence}) instead of ${from}`,
    data: { from: failed, to: builtin.sequence, automatic: true },
  });
  return builtin;
}
