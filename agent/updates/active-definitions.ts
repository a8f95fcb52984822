/**
 * The definitions the agent scans with right now. Scans read `current()` once and keep what they
 * got; install and rollback build and test a new engine beside the old one, then `swap` the
 * reference, so a scan in flight finishes with the engine it started with and a refused set never
 * replaces the running one. Subscribers hear of each change (the agent rescans its quarantine).
 */
import type { Engine } from '../../scanner/engine.js';
import type { SignatureDatabase } from '../../scanner/signature-database.js';
import { BUILTIN_SEQUENCE, loadBuiltinSet } from '../../definitions/builtin-set.js';
import type { DefinitionsSet } from '../../definitions/definitions-set.js';
import type { EpqMeta } from '../../definitions/epq-meta.js';
import { compileAndSelfTest } from '../../definitions/self-test.js';

/** A set ready to scan with: compiled and self-tested. */
export interface LoadedDefinitions {
  readonly sequence: number;
  readonly created: string;
  readonly certified: boolean;
  /** For status lines and logs, e.g. `definitions sequence 9 (certified, created 2025-04-01T12:00:00.000Z)`. */
  readonly label: string;
  /** Key that signed the set; null for the built-in set. */
  readonly keyId: string | null;
  readonly signatureCount: number;
  readonly engine: Engine;
  readonly database: SignatureDatabase;
  readonly meta: EpqMeta;
  /**
   * The `id` of the `active.json` this state was loaded under or written as; null when there was
   * no pointer (built-in set), '' when it was unreadable. Lets a process see that another one
   * switched the store (see store-sync.ts).
   */
  readonly pointerId: string | null;
}

export type DefinitionsChangeReason = 'install' | 'rollback' | 'store';

export interface DefinitionsChange {
  readonly current: LoadedDefinitions;
  readonly previous: LoadedDefinitions;
  /** `store`: another process (e.g. `epq defs install`) switched the store and this one followed. */
  readonly reason: DefinitionsChangeReason;
}

/** A listener may be async; a rejection goes to `onListenerError` like a throw. */
export type DefinitionsChangeListener = (change: DefinitionsChange) => unknown;

export interface ActiveDefinitionsOptions {
  /** Told about a listener that threw or rejected; the swap itself has already happened. */
  readonly onListenerError?: (err: unknown) => void;
}

export class ActiveDefinitions {
  private state: LoadedDefinitions;
  private readonly listeners = new Set<DefinitionsChangeListener>();
  private readonly onListenerError: (err: unknown) => void;

  constructor(initial: LoadedDefinitions, options: ActiveDefinitionsOptions = {}) {
    this.state = initial;
    this.onListenerError = options.onListenerError ?? (() => {});
  }

  /** The set to scan with. Keep the returned object for the whole scan. */
  current(): LoadedDefinitions {
    return this.state;
  }

  /**
   * Replaces the current set (already compiled and tested by the caller) and tells the
   * listeners. Returns the previous set. Listener errors go to `onListenerError`, never to the caller.
   */
  swap(next: LoadedDefinitions, reason: DefinitionsChangeReason): LoadedDefinitions {
    const previous = this.state;
    this.state = next;
    for (const listener of [...this.listeners]) {
      try {
        const done = listener({ current: next, previous, reason });
        if (done instanceof Promise) done.catch(this.onListenerError);
      } catch (err) {
        this.onListenerError(err);
      }
    }
    return previous;
  }

  /**
   * Records that the current set is also what a new active.json id points at (same set, e.g.
   * after another process rewrote the pointer), without telling listeners: nothing changed for scans.
   */
  notePointerId(pointerId: string | null): void {
    this.state = { ...this.state, pointerId };
  }

  /** Calls `listener` after every swap; returns the function that unsubscribes it. */
  onChange(listener: DefinitionsChangeListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}

/**
 * Compiles and self-tests a set (see compileAndSelfTest) into a LoadedDefinitions.
 * @throws DefinitionsPackageError naming `path` when the signatures fail to load or EICAR is not detected.
 */
export function loadDefinitionsSet(set: DefinitionsSet, path: string, pointerId: string | null): LoadedDefinitions {
  const { database, engine } = compileAndSelfTest(set.files, path);
  const isBuiltin = set.keyId === undefined;
  const certified = set.certified ? 'certified' : 'not certified';
  return {
    sequence: set.sequence,
    created: set.created,
    certified: set.certified,
    label: isBuiltin ? `built-in definitions (sequence ${set.sequence})` : `definitions sequence ${set.sequence} (${certified}, created ${set.created})`,
    keyId: set.keyId ?? null,
    signatureCount: database.signatureCount,
    engine,
    database,
    meta: set.meta,
    pointerId,
  };
}

/**
 * The built-in set (sequence 0), compiled and self-tested.
 * @throws DefinitionsSourceError / DefinitionsPackageError when the installed program is broken.
 */
export async function loadBuiltinDefinitions(pointerId: string | null = null): Promise<LoadedDefinitions> {
  const set = await loadBuiltinSet();
  return loadDefinitionsSet(set, `built-in definitions (sequence ${BUILTIN_SEQUENCE})`, pointerId);
}
