/**
 * Opens the quarantine of a state folder. Crash recovery finishes or rolls back work that a
 * process left half done; run by anyone but that work's owner it would "finish" the live work of
 * a running agent (deleting packages being written, dropping records). So it runs only in the
 * process that holds the store's lock: the agent, or a CLI command while no agent runs, which
 * takes the lock for its duration.
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import type { AgentConfig } from '../config/index.js';
import type { EventSink } from '../events/agent-event.js';
import { ExceptionList } from '../exceptions/exception-list.js';
import { QuarantineStore } from '../quarantine/quarantine-store.js';
import { recoverStore } from '../quarantine/recover.js';
import { createSideEffectPort } from '../quarantine/side-effect-adapter.js';
import { userNamesFrom } from '../quarantine/user-names.js';
import { acquireAgentLock, AgentLockError, type AgentLock } from '../runtime/agent-lock.js';

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

/** How long a mutating command waits for another command's lock by default. */
export const COMMAND_WAIT_MS = 60_000;

/**
 * Opens the quarantine of the configured state folder; its owner finishes what a crash interrupted.
 * @throws ConfigError, DatabaseError, QuarantineError naming what is unusable; AgentLockError
 *   when another command keeps the lock beyond `waitMs`.
 */
export async function openQuarantine(config: AgentConfig, access: StoreAccess, events?: EventSink): Promise<QuarantineContext> {
  let lock: AgentLock | null = null;
  let agentPid: number | null = null;
  if (access.kind === 'command') {
    ({ lock, agentPid } = await takeCommandLock(config.stateDir, access.readOnly === true ? 0 : access.waitMs ?? COMMAND_WAIT_MS, access.readOnly === true));
  }
  let store: QuarantineStore;
  try {
    store = new QuarantineStore({
      stateDir: config.stateDir,
      root: config.root,
      computer: hostname(),
      userNameOf: userNamesFrom(config.root),
      sideEffects: createSideEffectPort(config.root),
      ...(events && { events }),
    });
    if (access.kind === 'owner' || lock) await recoverStore(store).catch((err: unknown) => {
      store.close();
      throw err;
    });
  } catch (err) {
    lock?.releaseSync();
    throw err;
  }
  if (access.kind === 'command' && access.holdLock === false) lock?.releaseSync();
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

/** The lock for a command, or null (and the agent's pid) when a live agent (or, reading only, anyone) holds it. */
async function takeCommandLock(stateDir: string, waitMs: number, readOnly: boolean): Promise<{ lock: AgentLock | null; agentPid: number | null }> {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  try {
    return { lock: await acquireAgentLock(stateDir, { role: 'cli', waitForCommandMs: waitMs }), agentPid: null };
  } catch (err) {
    if (err instanceof AgentLockError && err.holder === 'agent') return { lock: null, agentPid: err.pid };
    if (err instanceof AgentLockError && readOnly) return { lock: null, agentPid: null };
    throw err;
  }
}
