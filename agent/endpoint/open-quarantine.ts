/**
 * Opens the quarantine of a state folder. Crash recovery finishes or rolls back work that a
 * process left half done; run by anyone but that work's owner it would "finish" the live work of
 * a running agent (deleting packages being written, dropping records). So it runs only in the
 * process that holds the store's lock: the agent, or a CLI command while no agent runs, which
 * takes the lock for its duration.
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { AgentConfig } from '../config/index.js';
import type { EventSink } from '../events/agent-event.js';
import { ExceptionList } from '../exceptions/exception-list.js';
import { findOrphans, listPackageFiles } from '../quarantine/orphan-packages.js';
import { QuarantineError } from '../quarantine/quarantine-errors.js';
import { QuarantineStore, type QuarantineStoreOptions } from '../quarantine/quarantine-store.js';
import { recoverStore } from '../quarantine/recover.js';
import { createSideEffectPort } from '../quarantine/side-effect-adapter.js';
import { userNamesFrom } from '../quarantine/user-names.js';
import { acquireAgentLock, AgentLockError, type AgentLock } from '../runtime/agent-lock.js';
import { DatabaseError } from '../store/open-database.js';
import { setAsideDatabase } from '../store/set-aside-database.js';

/**
 * - `owner`: the caller already holds the lock (the agent): recover.
 * - `command`: take the lock unless an agent holds it (waiting `waitMs` for another command to
 *   finish); with the lock, recover and keep it until `close` (or only for the opening, when
 *   `holdLock` is false: the tray, which must not keep an agent from starting). Without it, open
 *   the live store as it is. A `readOnly` command (list, show) never waits: when another
 *   process holds the lock it reads the store as it is.
 */
export type StoreAccess =
  | { readonly kind: 'owner' }
  | { readonly kind: 'command'; readonly waitMs?: number; readonly holdLock?: boolean; readonly readOnly?: boolean };

export interface QuarantineContext {
  readonly config: AgentConfig;
  readonly store: QuarantineStore;
  readonly exceptions: ExceptionList;
  /** This process owns the store (holds the lock, or held it while recovering). */
  readonly owner: boolean;
  /** The pid of the running agent that owns the store, when one does. */
  readonly agentPid: number | null;
  close(): void;
}

export interface OpenQuarantineOptions {
  /** For `quarantine rebuild`: a damaged database is set aside; told the new names. */
  readonly setAsideDamaged?: (moved: string[]) => void;
}

/** How long a mutating command waits for another command's lock by default. */
export const COMMAND_WAIT_MS = 60_000;

/**
 * Opens the quarantine of the configured state folder; its owner finishes what a crash interrupted.
 * With `setAsideDamaged`, a damaged database is renamed aside (see `setAsideDatabase`) and a fresh
 * one created: only for `quarantine rebuild`, which then gives the packages their records back.
 * @throws ConfigError, DatabaseError, QuarantineError naming what is unusable (a damaged database
 *   while packages are held says how to rebuild); AgentLockError when another command keeps the
 *   lock beyond `waitMs`.
 */
export async function openQuarantine(config: AgentConfig, access: StoreAccess, events?: EventSink, how: OpenQuarantineOptions = {}): Promise<QuarantineContext> {
  let lock: AgentLock | null = null;
  let agentPid: number | null = null;
  const readOnly = access.kind === 'command' && access.readOnly === true;
  if (access.kind === 'command') {
    ({ lock, agentPid } = await takeCommandLock(config.stateDir, readOnly ? 0 : access.waitMs ?? COMMAND_WAIT_MS, readOnly));
  }
  let store: QuarantineStore;
  try {
    store = openStore(config, { readOnly, ...(events && { events }) }, how);
    // Opened read-only because its disk is full: nothing can be finished now; the next command
    // that can write does it.
    const writable = store.db.pragma('query_only', { simple: true }) !== 1;
    if ((access.kind === 'owner' || lock) && writable) await recoverStore(store).catch((err: unknown) => {
      store.close();
      throw err;
    });
  } catch (err) {
    lock?.releaseSync();
    throw err;
  }
  if (access.kind === 'command' && access.holdLock === false) lock?.releaseSync();
  reportOrphans(store, events);
  const exceptions = new ExceptionList(store.db);
  return {
    config,
    store,
    exceptions,
    owner: access.kind === 'owner' || lock !== null,
    agentPid,
    close: () => {
      store.close();
      lock?.releaseSync();
    },
  };
}

/** The store, or a clear refusal when its database is damaged while packages are held. */
function openStore(config: AgentConfig, extra: Pick<QuarantineStoreOptions, 'readOnly' | 'events'>, how: OpenQuarantineOptions): QuarantineStore {
  const options: QuarantineStoreOptions = {
    ...extra,
    stateDir: config.stateDir,
    root: config.root,
    computer: hostname(),
    userNameOf: userNamesFrom(config.root),
    sideEffects: createSideEffectPort(config.root),
  };
  try {
    return new QuarantineStore(options);
  } catch (err) {
    if (!(err instanceof DatabaseError) || !err.damaged) throw err;
    if (how.setAsideDamaged) {
      how.setAsideDamaged(setAsideDatabase(err.path));
      return new QuarantineStore(options);
    }
    const held = listPackageFiles(join(config.stateDir, 'quarantine', 'blobs')).length;
    if (held === 0) throw err;
    throw new QuarantineError('content', `${err.message}. The ${held} quarantine package(s) are safe and describe themselves: ` +
      '`epq quarantine rebuild` sets the damaged database aside (renamed, not deleted) and rebuilds the quarantine records from them', { path: err.path }, { cause: err });
  }
}

/** The agent has no terminal to tell: packages without records (a lost database) go to its log. */
function reportOrphans(store: QuarantineStore, events: EventSink | undefined): void {
  if (!events) return;
  const orphans = findOrphans(store).length;
  if (orphans === 0) return;
  events({ name: 'sample processing error', severity: 'error',
    message: `${orphans} quarantine package(s) in ${store.blobDir} have no record (the quarantine database was lost or replaced); run \`epq quarantine rebuild\``,
    data: { orphans, folder: store.blobDir } });
}

/** The lock for a command, or null (and the agent's pid) when a live agent (or, reading only, anyone) holds it. */
async function takeCommandLock(stateDir: string, waitMs: number, readOnly: boolean): Promise<{ lock: AgentLock | null; agentPid: number | null }> {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  try {
    return { lock: await acquireAgentLock(stateDir, { role: 'cli', waitForCommandMs: waitMs }), agentPid: null };
  } catch (err) {
    if (err instanceof AgentLockError && err.holder === 'agent') return { lock: null, agentPid: err.pid };
    if (err instanceof AgentLockError && readOnly) return { lock: null, agentPid: null };
    // On a full (or read-only) disk the lock file can't be written: the store is opened as it
    // is, without recovery; reading works, and each write that can't be done fails in words.
    if (['ENOSPC', 'EROFS', 'EDQUOT'].includes((err as NodeJS.ErrnoException).code ?? '')) return { lock: null, agentPid: null };
    throw err;
  }
}
