/**
 * What install, rollback and update checks work on: the store, the in-memory active set, the
 * trusted keys and the event sink; plus keeping the in-memory set in step with the store when
 * another process (e.g. `epq defs install` while the agent runs) switches it.
 */
import { loadTrustedKeys, type TrustedKey } from '../../definitions/keys.js';
import { IGNORE_EVENTS, type EventSink } from '../events/agent-event.js';
import { ActiveDefinitions, type LoadedDefinitions } from './active-definitions.js';
import { DefinitionsStore } from './definitions-store.js';
import { loadActiveDefinitions } from './load-active.js';

export interface UpdateContext {
  readonly store: DefinitionsStore;
  readonly definitions: ActiveDefinitions;
  /** Keys trusted to sign definitions (config `definitions.trustedKeys`). */
  readonly trustedKeys: readonly TrustedKey[];
  readonly events: EventSink;
  /**
   * Fault injection for tests: runs after the new set file is stored and before active.json is
   * switched; throwing here stands for a crash at that point.
   */
  readonly beforeSwitch?: () => void | Promise<void>;
}

export interface OpenUpdateContextOptions {
  readonly stateDir: string;
  /** Public key files; loaded and added to `trustedKeys`. */
  readonly trustedKeyFiles?: readonly string[];
  readonly trustedKeys?: readonly TrustedKey[];
  /** Sets kept on disk, the active one included (default 3). */
  readonly keep?: number;
  readonly events?: EventSink;
}

/**
 * Opens the store under `stateDir`, loads the trusted keys and the active set (with the
 * fallbacks of loadActiveDefinitions) and returns a context around them.
 * @throws DefinitionsKeyError for an unusable key file; DefinitionsStoreError when the folder
 *   can't be created; RangeError for a bad `keep`.
 */
export async function openUpdateContext(opts: OpenUpdateContextOptions): Promise<UpdateContext> {
  const events = opts.events ?? IGNORE_EVENTS;
  const trustedKeys = [...(opts.trustedKeys ?? []), ...(await loadTrustedKeys(opts.trustedKeyFiles ?? []))];
  const store = await DefinitionsStore.open(opts.stateDir, opts.keep === undefined ? {} : { keep: opts.keep });
  const definitions = new ActiveDefinitions(await loadActiveDefinitions(store, trustedKeys, events));
  return { store, definitions, trustedKeys, events };
}

/**
 * Makes the in-memory set match the store: when active.json has another id than the one the
 * current set was loaded under, loads the store's active set and swaps it in (reason `store`),
 * with an event saying what changed. Returns the current set.
 */
export async function syncWithStore(ctx: UpdateContext): Promise<LoadedDefinitions> {
  const current = ctx.definitions.current();
  const id = await ctx.store.readPointerId();
  if (id === current.pointerId) return current;
  const loaded = await loadActiveDefinitions(ctx.store, ctx.trustedKeys, ctx.events);
  if (loaded.sequence === current.sequence && loaded.keyId === current.keyId && loaded.created === current.created) {
    // Same set under a new pointer (e.g. a rewrite): keep the engine, remember the new id.
    ctx.definitions.notePointerId(loaded.pointerId);
    return ctx.definitions.current();
  }
  ctx.definitions.swap(loaded, 'store');
  const newer = loaded.sequence > current.sequence;
  ctx.events({
    name: newer ? 'definitions installed' : 'definitions rolled back',
    severity: 'info',
    message: `Definitions sequence ${loaded.sequence} are now active (was ${current.sequence}), switched in the store by another process`,
    data: { sequence: loaded.sequence, previous: current.sequence, by: 'store' },
  });
  return loaded;
}

export interface StoreFollower {
  /** Stops polling; resolves when a sync in progress has finished. */
  stop(): Promise<void>;
}

/**
 * Polls active.json every `intervalMs` and follows the store when another process switches it
 * (see syncWithStore). A sync that fails is reported as a `definitions refused` event and tried
 * again at the next tick; the running set keeps serving meanwhile.
 */
export function followStore(ctx: UpdateContext, intervalMs = 2000): StoreFollower {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    running = (async () => {
      try {
        await syncWithStore(ctx);
      } catch (err) {
        ctx.events({
          name: 'definitions refused',
          severity: 'error',
          message: `Can't follow the definitions store ${ctx.store.dir}: ${(err as Error).message}`,
          data: { package: ctx.store.activePath, reason: (err as Error).message },
        });
      }
    })();
    void running.then(() => {
      if (!stopped) schedule();
    });
  };
  const schedule = (): void => {
    timer = setTimeout(tick, intervalMs);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
