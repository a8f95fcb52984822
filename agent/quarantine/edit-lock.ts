import Database from 'better-sqlite3';
import { join } from 'node:path';
import { QuarantineError } from './quarantine-errors.js';

/**
 * How long a job waits for another process (the agent, or a CLI with its own store) to finish
 * its side-effect edits before giving up; one job edits a few files, so this is generous.
 */
const WAIT_MS = 120_000;
const POLL_MS = 15;

interface LockState {
  tail: Promise<void>;
  db?: Database.Database;
}
const states = new Map<string, LockState>();

/**
 * Runs `fn` as the only side-effect edit job of the quarantine in `quarantineDir`: one at a
 * time within this process (a promise chain), and across processes through an exclusive lock
 * on a small SQLite file beside the packages. That lock is an fcntl lock the kernel drops when
 * its process dies, so a killed agent never leaves it held.
 * @throws QuarantineError `internal` when another process holds the lock for over two minutes
 *   or the lock file can't be used; whatever `fn` throws.
 */
export async function withEditLock<T>(quarantineDir: string, fn: () => Promise<T>): Promise<T> {
  let state = states.get(quarantineDir);
  if (state === undefined) {
    state = { tail: Promise.resolve() };
    states.set(quarantineDir, state);
  }
  const previous = state.tail;
  let release!: () => void;
  state.tail = new Promise<void>((resolve) => (release = resolve));
  try {
    await previous;
    const db = await lockAcrossProcesses(quarantineDir, state);
    try {
      return await fn();
    } finally {
      db.exec('COMMIT');
    }
  } finally {
    release();
  }
}

async function lockAcrossProcesses(quarantineDir: string, state: LockState): Promise<Database.Database> {
  const path = join(quarantineDir, 'side-effects.lock');
  try {
    // timeout 0: a busy lock is polled below rather than waited for with the thread blocked.
    state.db ??= new Database(path, { timeout: 0 });
  } catch (err) {
    throw new QuarantineError('internal', `can't open the side-effect lock ${path}: ${(err as Error).message}`, { path }, { cause: err });
  }
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      state.db.exec('BEGIN EXCLUSIVE');
      return state.db;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'SQLITE_BUSY' && code !== 'SQLITE_LOCKED') {
        throw new QuarantineError('internal', `can't take the side-effect lock ${path}: ${(err as Error).message}`, { path }, { cause: err });
      }
      if (Date.now() > deadline) throw new QuarantineError('internal', `another process has been editing side effects for over ${WAIT_MS / 1000} s (${path})`, { path }, { cause: err });
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
