/**
 * One agent per state folder: `<stateDir>/agent.pid`, created exclusively (O_EXCL). A lock whose
 * agent is gone is taken over; a live one is refused.
 *
 * The file's first line is the pid (what systemd's PIDFile= and `kill $(cat ...)` expect); the
 * second records the boot and the process start time, so that after a reboot, or when the pid
 * has been reused by another program, the lock is still recognised as stale.
 */
import { readFileSync, unlinkSync } from 'node:fs';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const LOCK_FILE_NAME = 'agent.pid';

export interface AgentLock {
  readonly file: string;
  readonly pid: number;
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

  constructor(readonly pid: number, readonly file: string) {
    super(`another epq agent (pid ${pid}) is already running on this state folder (lock file ${file}); stop it first or use another state folder`);
  }
}

export interface AgentStatus {
  readonly running: boolean;
  /** The pid in the lock file, when there is one that can be read. */
  readonly pid?: number;
  /** A lock file is left over from an agent that is no longer running. */
  readonly stale?: boolean;
}

interface Holder {
  readonly pid: number;
  readonly boot?: string;
  readonly start?: string;
}

/** How long a lock file may stay empty (being written) before it counts as left over. */
const WRITING_GRACE_MS = 2000;
/** A takeover marker older than this belongs to a process that died while taking over. */
const TAKEOVER_STALE_MS = 10_000;
const RETRY_MS = 50;
const MAX_ATTEMPTS = 100;

/**
 * Takes the state folder's lock for this process.
 * @throws AgentLockError when a live agent holds it.
 */
export async function acquireAgentLock(stateDir: string): Promise<AgentLock> {
  const file = join(stateDir, LOCK_FILE_NAME);
  let tookOver: AgentLock['tookOver'] = null;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const content = await ownContent();
    if (await createExclusive(file, content)) return makeLock(file, content, tookOver);

    const text = await readText(file);
    if (text === null) continue; // removed in between: try again
    const holder = parseHolder(text);
    if (holder && (await isAlive(holder))) throw new AgentLockError(holder.pid, file);
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
  return (await isAlive(holder)) ? { running: true, pid: holder.pid } : { running: false, pid: holder.pid, stale: true };
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
  } finally {
    await handle.close();
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

function makeLock(file: string, content: string, tookOver: AgentLock['tookOver']): AgentLock {
  let released = false;
  return {
    file,
    pid: process.pid,
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

async function ownContent(): Promise<string> {
  const boot = await bootId();
  const start = await startTime(process.pid);
  const details = [boot && `boot=${boot}`, start && `start=${start}`].filter(Boolean).join(' ');
  return `${process.pid}\nepq-agent ${details}\n`;
}

function parseHolder(text: string): Holder | null {
  const [first, second = ''] = text.split('\n');
  if (!first || !/^\d+$/.test(first.trim())) return null;
  const pid = Number(first.trim());
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  const boot = /\bboot=(\S+)/.exec(second)?.[1];
  const start = /\bstart=(\d+)/.exec(second)?.[1];
  return { pid, ...(boot ? { boot } : {}), ...(start ? { start } : {}) };
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
