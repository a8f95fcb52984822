/**
 * One agent per state folder: `<stateDir>/agent.pid`, created exclusively (O_EXCL). A lock whose
 * agent is gone is taken over; a live one is refused.
 *
 * The file's first line is the pid (what systemd's PIDFile= and `kill $(cat ...)` expect); the
 * second records the boot and the process start time, so that after a reboot, or when the pid
 * has been reused by another program, the lock is still recognised as stale. The second line
 * also says who holds it: the agent (`epq-agent`) or a CLI command that opened the store while
 * no agent ran (`epq-cli`): whoever holds the lock owns the store, and only the owner runs
 * crash recovery on it.
 */
import { readFileSync, unlinkSync } from 'node:fs';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const LOCK_FILE_NAME = 'agent.pid';

/** Who holds the store's lock: the resident agent, or a CLI command for its duration. */
export type LockRole = 'agent' | 'cli';

export interface AgentLock {
  readonly file: string;
  readonly pid: number;
  readonly role: LockRole;
  /** Set when a stale lock was taken over: the dead agent's pid (null if its file was unreadable) and a note to log. */
  readonly tookOver: { readonly pid: number | null; readonly note: string } | null;
  /** Removes the lock file if it is still ours. Safe to call twice. */
  release(): Promise<void>;
  /** The same, for a process 'exit' handler. */
  releaseSync(): void;
}

/** Another agent holds the lock; names its pid. */
export class AgentLockError extends Error {
  override name = 'AgentLockError';

  constructor(readonly pid: number, readonly file: string, readonly holder: LockRole = 'agent') {
    super(holder === 'agent'
      ? `another epq agent (pid ${pid}) is already running on this state folder (lock file ${file}); stop it first or use another state folder`
      : `an epq command (pid ${pid}) still holds this state folder's lock (lock file ${file}); wait for it to finish`);
  }
}

export interface AcquireOptions {
  /** Written into the lock file; an agent is what `readAgentStatus` reports as running. */
  readonly role?: LockRole;
  /**
   * How long to wait for a CLI command that holds the lock to finish (it holds it only for its
   * own duration) before giving up with AgentLockError. An agent's lock is never waited for.
   */
  readonly waitForCommandMs?: number;
}

export interface AgentStatus {
  readonly running: boolean;
  /** The pid in the lock file, when there is one that can be read. */
  readonly pid?: number;
  /** A lock file is left over from an agent that is no longer running. */
  readonly stale?: boolean;
  /** A CLI command, not an agent, holds the lock right now (no agent runs). */
  readonly command?: boolean;
}

interface Holder {
  readonly pid: number;
  readonly role: LockRole;
  readonly boot?: string;
  readonly start?: string;
}

/** How long a lock file may stay empty (being written) before it counts as left over. */
const WRITING_GRACE_MS = 2000;
/** A takeover marker older than this belongs to a process that died while taking over. */
const TAKEOVER_STALE_MS = 10_000;
const RETRY_MS = 50;
const MAX_ATTEMPTS = 100;
/** A command holding the lock is short-lived: the agent waits this long for it by default. */
export const DEFAULT_COMMAND_WAIT_MS = 120_000;

/**
 * Takes the state folder's lock for this process (as the agent unless `role` says otherwise).
 * A live CLI command's lock is waited for (`waitForCommandMs`); a live agent's is refused.
 * @throws AgentLockError when a live agent holds it, or a command still does after the wait.
 */
export async function acquireAgentLock(stateDir: string, options: AcquireOptions = {}): Promise<AgentLock> {
  const role = options.role ?? 'agent';
  const waitUntil = Date.now() + (options.waitForCommandMs ?? (role === 'agent' ? DEFAULT_COMMAND_WAIT_MS : 0));
  const file = join(stateDir, LOCK_FILE_NAME);
  let tookOver: AgentLock['tookOver'] = null;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const content = await ownContent(role);
    if (await createExclusive(file, content)) return makeLock(file, content, role, tookOver);

    const text = await readText(file);
    if (text === null) continue; // removed in between: try again
    const holder = parseHolder(text);
    if (holder && (await isAlive(holder))) {
      if (holder.role === 'agent' || Date.now() >= waitUntil) throw new AgentLockError(holder.pid, file, holder.role);
      attempt--; // a command finishing is not a lock that keeps changing
      await sleep(RETRY_MS);
      continue;
    }
    if (!holder && (await ageMs(file)) < WRITING_GRACE_MS) {
      await sleep(RETRY_MS); // another agent is writing its pid right now
      continue;
    }
    if (await removeStale(file, text)) {
      const pid = holder?.pid ?? null;
      const what = pid === null ? 'an unreadable lock file' : `the lock of agent pid ${pid}, which is no longer running`;
      tookOver = { pid, note: `took over ${what} (${file})` };
    } else {
      await sleep(RETRY_MS);
    }
  }
  throw new Error(`could not take the agent lock ${file}: it keeps changing`);
}

/** Whether an agent runs on this state folder, from its lock file. */
export async function readAgentStatus(stateDir: string): Promise<AgentStatus> {
  const text = await readText(join(stateDir, LOCK_FILE_NAME));
  if (text === null) return { running: false };
  const holder = parseHolder(text);
  if (!holder) return { running: false, stale: true };
  if (!(await isAlive(holder))) return { running: false, pid: holder.pid, stale: true };
  return holder.role === 'agent' ? { running: true, pid: holder.pid } : { running: false, pid: holder.pid, command: true };
}

/** Is this pid alive, and still the same process that wrote the lock? */
async function isAlive(holder: Holder): Promise<boolean> {
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (holder.boot !== undefined) {
    const boot = await bootId();
    if (boot !== undefined && boot !== holder.boot) return false; // written before a reboot
  }
  if (holder.start !== undefined) {
    const start = await startTime(holder.pid);
    if (start !== undefined && start !== holder.start) return false; // the pid now names another process
  }
  return true;
}

async function createExclusive(file: string, content: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    await handle.writeFile(content);
  } catch (err) {
    // A full disk lets the file be made but not written: an empty lock (or takeover marker)
    // left behind would make every later command wait for a writer that is gone.
    await handle.close();
    handle = null;
    await unlink(file).catch(() => {});
    throw err;
  } finally {
    await handle?.close();
  }
  return true;
}

/**
 * Removes a stale lock file, under a takeover marker so that two agents taking over at once
 * can't remove each other's fresh lock. False when another process is taking over.
 */
async function removeStale(file: string, staleText: string): Promise<boolean> {
  const marker = `${file}.takeover`;
  if (!(await createExclusive(marker, `${process.pid}\n`))) {
    if ((await ageMs(marker)) > TAKEOVER_STALE_MS) await unlink(marker).catch(() => {});
    return false;
  }
  try {
    if ((await readText(file)) !== staleText) return false;
    await unlink(file);
    return true;
  } finally {
    await unlink(marker).catch(() => {});
  }
}

function makeLock(file: string, content: string, role: LockRole, tookOver: AgentLock['tookOver']): AgentLock {
  let released = false;
  return {
    file,
    pid: process.pid,
    role,
    tookOver,
    async release() {
      if (released) return;
      released = true;
      if ((await readText(file)) === content) await unlink(file).catch(() => {});
    },
    releaseSync() {
      if (released) return;
      released = true;
      try {
        if (readFileSync(file, 'utf8') === content) unlinkSync(file);
      } catch {
        // Already gone.
      }
    },
  };
}

async function ownContent(role: LockRole): Promise<string> {
  const boot = await bootId();
  const start = await startTime(process.pid);
  const details = [boot && `boot=${boot}`, start && `start=${start}`].filter(Boolean).join(' ');
  return `${process.pid}\nepq-${role} ${details}\n`;
}

function parseHolder(text: string): Holder | null {
  const [first, second = ''] = text.split('\n');
  if (!first || !/^\d+$/.test(first.trim())) return null;
  const pid = Number(first.trim());
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  const boot = /\bboot=(\S+)/.exec(second)?.[1];
  const start = /\bstart=(\d+)/.exec(second)?.[1];
  // Lock files of earlier versions (and a bare pid) are agents'.
  const role: LockRole = second.startsWith('epq-cli') ? 'cli' : 'agent';
  return { pid, role, ...(boot ? { boot } : {}), ...(start ? { start } : {}) };
}

async function readText(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function ageMs(file: string): Promise<number> {
  try {
    return Date.now() - (await stat(file)).mtimeMs;
  } catch {
    return 0;
  }
}

let cachedBootId: Promise<string | undefined> | undefined;
/** The kernel's id of this boot (Linux), undefined elsewhere. */
function bootId(): Promise<string | undefined> {
  cachedBootId ??= readFile('/proc/sys/kernel/random/boot_id', 'utf8').then((t) => t.trim() || undefined, () => undefined);
  return cachedBootId;
}

/** Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), undefined when unknown. */
async function startTime(pid: number): Promise<string | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const start = fields[19];
    return start && /^\d+$/.test(start) ? start : undefined;
  } catch {
    return undefined;
  }
}
