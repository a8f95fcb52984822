/**
 * The files of the definitions store, `<stateDir>/definitions/`:
 *
 *   defs-<sequence>.epqset   one verified set each (see definitions/set-file.ts): `keep` sets in
 *                            all, the active one and the newest ones before it
 *   active.json              which set is active: {"format":1,"sequence":9,"file":"defs-9.epqset",
 *                            "id":"...","switchedAt":"...","reason":"install","rolledBack":[]}
 *   last-check.json          the last update check (for `epq status`)
 *   lock                     held (O_EXCL, holds the pid) while a process changes the store
 */
import { DefinitionsStoreError } from './store-errors.js';

export const STORE_FOLDER = 'definitions';
export const ACTIVE_FILE = 'active.json';
export const LAST_CHECK_FILE = 'last-check.json';
export const LOCK_FILE = 'lock';
export const SET_FILE_PATTERN = /^defs-(\d+)\.epqset$/;
/** Left by a set write that was interrupted (see definitions/atomic-write.ts). */
export const STALE_TEMP_PATTERN = /^\.defs-\d+\.epqset\..*\.tmp$/;

/** The content of active.json. */
export interface ActivePointer {
  readonly format: 1;
  readonly sequence: number;
  readonly file: string;
  /** Random, new at every switch. */
  readonly id: string;
  readonly switchedAt: string;
  readonly reason: 'install' | 'rollback';
  /** Sequences rolled back from: automatic updates do not install them again (a manual install does). */
  readonly rolledBack: readonly number[];
}

/** A set file in the store, by its name (not verified). */
export interface StoredSetEntry {
  readonly sequence: number;
  readonly file: string;
  readonly path: string;
  readonly size: number;
}

export function setFileName(sequence: number): string {
  return `defs-${sequence}.epqset`;
}

/**
 * Parses the text of active.json (`path` names it in errors).
 * @throws DefinitionsStoreError when it is not JSON or not a valid pointer.
 */
export function parsePointer(text: string, path: string): ActivePointer {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new DefinitionsStoreError(path, `not valid JSON (${(err as Error).message})`);
  }
  const p = raw as Partial<ActivePointer> | null;
  const ok = typeof p === 'object' && p !== null && p.format === 1 &&
    typeof p.sequence === 'number' && Number.isSafeInteger(p.sequence) && p.sequence > 0 &&
    p.file === setFileName(p.sequence) && typeof p.id === 'string' && p.id !== '' &&
    typeof p.switchedAt === 'string' && (p.reason === 'install' || p.reason === 'rollback') &&
    Array.isArray(p.rolledBack) && p.rolledBack.every((n) => Number.isSafeInteger(n));
  if (!ok) throw new DefinitionsStoreError(path, 'not a valid definitions pointer');
  return p as ActivePointer;
}
