import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { acquireAgentLock, AgentLockError, LOCK_FILE_NAME, readAgentStatus } from '../../agent/runtime/agent-lock.js';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** The pid of a process that has exited (and so is not alive). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

/** Another process that takes the lock and holds it until killed. */
async function otherAgent(stateDir: string): Promise<ChildProcess> {
  const url = pathToFileURL(join(REPO_ROOT, 'dist', 'agent', 'runtime', 'agent-lock.js')).href;
  const script = `
    const { acquireAgentLock } = await import(${JSON.stringify(url)});
    await acquireAgentLock(${JSON.stringify(stateDir)});
    process.stdout.write('locked\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
    child.on('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return child;
}

describe('agent lock', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let count = 0;
  const children: ChildProcess[] = [];
  const stateDir = async (): Promise<string> => {
    const { mkdir } = await import('node:fs/promises');
    const d = join(dir, `state-${++count}`);
    await mkdir(d);
    return d;
  };

  beforeAll(async () => ({ dir, cleanup } = await makeTempDir('epq-lock-')));
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await cleanup();
  });

  it('writes the pid to <stateDir>/agent.pid and removes it on release', async () => {
    const state = await stateDir();
    const lock = await acquireAgentLock(state);
    expect(lock.file).toBe(join(state, LOCK_FILE_NAME));
    expect(lock.pid).toBe(process.pid);
    expect(lock.tookOver).toBeNull();
    expect((await readFile(lock.file, 'utf8')).split('\n')[0]).toBe(String(process.pid));
    expect(await readAgentStatus(state)).toEqual({ running: true, pid: process.pid });
    await lock.release();
    await expect(stat(lock.file)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readAgentStatus(state)).toEqual({ running: false });
    await lock.release(); // twice is fine
  });

  it('refuses a second lock on the same state folder, naming the pid', async () => {
    const state = await stateDir();
    const lock = await acquireAgentLock(state);
    const err = await acquireAgentLock(state).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(AgentLockError);
    expect((err as AgentLockError).pid).toBe(process.pid);
    expect((err as AgentLockError).message).toContain(`another epq agent (pid ${process.pid}) is already running`);
    expect((err as AgentLockError).message).toContain(join(state, 'agent.pid'));
    await lock.release();
    const again = await acquireAgentLock(state);
    await again.release();
  });

  it('refuses while another process holds the lock, and takes it over once that process is killed', async () => {
    const state = await stateDir();
    const holder = await otherAgent(state);
    children.push(holder);
    const err = await acquireAgentLock(state).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(AgentLockError);
    expect((err as AgentLockError).pid).toBe(holder.pid);
    expect((err as Error).message).toContain(`(pid ${holder.pid})`);
    expect(await readAgentStatus(state)).toEqual({ running: true, pid: holder.pid });

    holder.kill('SIGKILL'); // no chance to release: the lock file stays behind
    await new Promise((resolve) => holder.on('exit', resolve));
    expect(await readAgentStatus(state)).toEqual({ running: false, pid: holder.pid, stale: true });
    const lock = await acquireAgentLock(state);
    expect(lock.tookOver).toEqual({ pid: holder.pid, note: `took over the lock of agent pid ${holder.pid}, which is no longer running (${lock.file})` });
    expect((await readFile(lock.file, 'utf8')).split('\n')[0]).toBe(String(process.pid));
    await lock.release();
  });

  it('takes over a lock file whose pid is not alive', async () => {
    const state = await stateDir();
    const pid = await deadPid();
    await writeFile(join(state, LOCK_FILE_NAME), `${pid}\n`);
    const lock = await acquireAgentLock(state);
    expect(lock.tookOver?.pid).toBe(pid);
    await lock.release();
  });

  it('takes over a lock whose pid now names another process (written before a reboot, or pid reused)', async () => {
    const state = await stateDir();
    // Our own pid is alive, but the recorded start time / boot are not ours.
    await writeFile(join(state, LOCK_FILE_NAME), `${process.pid}\nepq-agent start=1\n`);
    const lock = await acquireAgentLock(state);
    expect(lock.tookOver?.pid).toBe(process.pid);
    await lock.release();
    await writeFile(join(state, LOCK_FILE_NAME), `${process.pid}\nepq-agent boot=00000000-0000-0000-0000-000000000000\n`);
    expect(await readAgentStatus(state)).toEqual({ running: false, pid: process.pid, stale: true });
    const again = await acquireAgentLock(state);
    expect(again.tookOver?.pid).toBe(process.pid);
    await again.release();
  });

  it('takes over an old unreadable lock file, but waits for a fresh one to be written', async () => {
    const state = await stateDir();
    const file = join(state, LOCK_FILE_NAME);
    await writeFile(file, '');
    const started = Date.now();
    const lock = await acquireAgentLock(state);
    // An empty file may be an agent between creating and writing it: give it its grace time first.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(lock.tookOver).toEqual({ pid: null, note: `took over an unreadable lock file (${file})` });
    await lock.release();

    await writeFile(file, 'garbage');
    const old = new Date(Date.now() - 60_000);
    await utimes(file, old, old);
    const quick = Date.now();
    const again = await acquireAgentLock(state);
    expect(Date.now() - quick).toBeLessThan(1000);
    expect(again.tookOver?.pid).toBeNull();
    await again.release();
  });

  it('lets exactly one of several racing takeovers win', async () => {
    const state = await stateDir();
    await writeFile(join(state, LOCK_FILE_NAME), `${await deadPid()}\n`);
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => acquireAgentLock(state)));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    for (const r of lost) expect(r.reason).toBeInstanceOf(AgentLockError);
    await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireAgentLock>>>).value.release();
  });

  it('does not remove a stale lock while another process is taking it over', async () => {
    const state = await stateDir();
    const file = join(state, LOCK_FILE_NAME);
    const stale = `${await deadPid()}\n`;
    await writeFile(file, stale);
    const marker = `${file}.takeover`;
    await writeFile(marker, '1\n'); // another agent is in the middle of a takeover
    const acquiring = acquireAgentLock(state);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await readFile(file, 'utf8')).toBe(stale);
    await unlink(marker); // the other one gave up
    const lock = await acquiring;
    expect(lock.tookOver?.pid).toBe(Number(stale));
    await lock.release();

    // A marker left by a process that died while taking over is ignored after a while.
    await writeFile(file, stale);
    await writeFile(marker, '1\n');
    const old = new Date(Date.now() - 60_000);
    await utimes(marker, old, old);
    const again = await acquireAgentLock(state);
    expect(again.tookOver?.pid).toBe(Number(stale));
    await expect(stat(marker)).rejects.toMatchObject({ code: 'ENOENT' });
    await again.release();
  });

  it('release leaves a lock file that is no longer ours', async () => {
    const state = await stateDir();
    const lock = await acquireAgentLock(state);
    await writeFile(lock.file, '999999\n');
    await lock.release();
    expect(await readFile(lock.file, 'utf8')).toBe('999999\n');
  });

  it('releaseSync removes the lock too', async () => {
    const state = await stateDir();
    const lock = await acquireAgentLock(state);
    lock.releaseSync();
    await expect(stat(lock.file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reports no agent when there is no lock file, and a stale one for garbage', async () => {
    const state = await stateDir();
    expect(await readAgentStatus(state)).toEqual({ running: false });
    await writeFile(join(state, LOCK_FILE_NAME), 'not a pid\n');
    expect(await readAgentStatus(state)).toEqual({ running: false, stale: true });
  });

  it('a command holds the lock only for its duration: status says no agent, the agent waits for it', async () => {
    const state = await stateDir();
    const command = await acquireAgentLock(state, { role: 'cli' });
    expect((await readFile(command.file, 'utf8')).split('\n')[1]).toMatch(/^epq-cli /);
    expect(await readAgentStatus(state)).toEqual({ running: false, pid: process.pid, command: true });
    const other = await acquireAgentLock(state, { role: 'cli', waitForCommandMs: 0 }).then(() => null, (e: unknown) => e);
    expect(other).toBeInstanceOf(AgentLockError);
    expect((other as AgentLockError).holder).toBe('cli');
    expect((other as Error).message).toContain(`an epq command (pid ${process.pid}) still holds`);
    let agentLocked = false;
    const agent = acquireAgentLock(state).then((lock) => {
      agentLocked = true;
      return lock;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(agentLocked).toBe(false);
    await command.release();
    const lock = await agent;
    expect(lock.role).toBe('agent');
    expect(await readAgentStatus(state)).toEqual({ running: true, pid: process.pid });
    // A command never waits for an agent: it is told at once, and opens the store without recovery.
    const refused = await acquireAgentLock(state, { role: 'cli', waitForCommandMs: 60_000 }).then(() => null, (e: unknown) => e);
    expect((refused as AgentLockError).holder).toBe('agent');
    await lock.release();
  });
});
