import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BATCH_ITEM_STEPS, QUARANTINE_STEPS, RESTORE_STEPS } from '../../agent/quarantine/fault-injection.js';
import { eicarBytes } from '../helpers/eicar.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const CRONTAB = 'SHELL=/bin/sh\n@reboot u /home/u/payload.com\n0 * * * * root true\n';

interface ListedItem {
  id: string;
  phase: string;
  originalPath: string;
}

/** Steps reached once per item are hit at the 3rd item of 5; the others once per batch. */
const inBatch = (step: string): string => (BATCH_ITEM_STEPS.has(step) ? `${step}#3` : step);

/**
 * restoreMany of `ids` in a child process (the CLI restores one id at a time), so that EPQ_FAULT
 * can kill it in the middle of a batch. Runs the built code, like runCli.
 */
function restoreManyInChild(state: string, root: string, ids: string[], fault: string): Promise<number | null> {
  const code = `
    const { QuarantineStore } = await import(${JSON.stringify(`${REPO_ROOT}/dist/agent/quarantine/quarantine-store.js`)});
    const { recoverStore } = await import(${JSON.stringify(`${REPO_ROOT}/dist/agent/quarantine/recover.js`)});
    const { restoreMany } = await import(${JSON.stringify(`${REPO_ROOT}/dist/agent/quarantine/restore-item.js`)});
    const store = new QuarantineStore({ stateDir: ${JSON.stringify(state)}, root: ${JSON.stringify(root)}, computer: 't', userNameOf: String });
    await recoverStore(store);
    const results = await restoreMany(store, ${JSON.stringify(ids)}, { reason: 'test' });
    store.close();
    process.exitCode = results.every((r) => r.ok) ? 0 : 1;`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { env: { ...process.env, EPQ_FAULT: fault }, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (exit) => resolve(exit));
  });
}

/**
 * Kills the CLI (SIGKILL, via the EPQ_FAULT hook) at every step of quarantining and of
 * restoring, then lets the next command recover, and checks the file was never lost: it is
 * either back where it was with the same bytes, or complete in quarantine — never both, never
 * neither.
 */
describe('crash safety: killed at each step, nothing is lost', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('epq-crash-'));
  });
  afterAll(() => cleanup());

  async function setup(name: string): Promise<{ root: string; state: string; file: string; ctx: string[] }> {
    const root = join(dir, name, 'root');
    const state = join(dir, name, 'state');
    await mkdir(join(root, 'home/u'), { recursive: true });
    const file = join(root, 'home/u/payload.com');
    await writeFile(file, eicarBytes());
    await mkdir(join(root, 'etc'));
    await writeFile(join(root, 'etc/crontab'), CRONTAB);
    return { root, state, file, ctx: ['--state-dir', state, '--root', root] };
  }

  async function list(ctx: string[]): Promise<ListedItem[]> {
    const r = await runCli(['quarantine', 'list', '--all', '--json', ...ctx]);
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as ListedItem[];
  }

  const committed = new Set<string>(['quarantine:after-commit', 'quarantine:after-unlink', 'quarantine:after-blob-rename', 'quarantine:after-side-effects']);

  it.each(QUARANTINE_STEPS.map((s) => [s]))('quarantine killed at %s', async (step) => {
    const { state, file, ctx } = await setup(step.replace(/\W/g, '-'));
    const killed = await runCli(['scan', '--action', 'quarantine', ...ctx, file], { env: { ...process.env, EPQ_FAULT: step } });
    expect(killed.code).toBeNull();
    const items = await list(ctx);
    const blobs = readdirSync(join(state, 'quarantine', 'blobs'));
    expect(blobs.filter((b) => b.endsWith('.tmp'))).toEqual([]);
    if (committed.has(step)) {
      expect(existsSync(file)).toBe(false);
      expect(items.map((i) => i.phase)).toEqual(['complete']);
      const restored = await runCli(['quarantine', 'restore', '--yes', ...ctx, items[0]!.id]);
      expect(restored.code).toBe(0);
      expect(await readFile(file)).toEqual(eicarBytes());
      expect(await readFile(join(file, '../../../etc/crontab'), 'utf8')).toBe(CRONTAB);
    } else {
      expect(await readFile(join(file, '../../../etc/crontab'), 'utf8')).toBe(CRONTAB);
      expect(await readFile(file)).toEqual(eicarBytes());
      expect(items).toEqual([]);
      expect(blobs).toEqual([]);
    }
  });

  it.each(RESTORE_STEPS.map((s) => [s]))('restore killed at %s', async (step) => {
    const { file, ctx } = await setup(step.replace(/\W/g, '-'));
    expect((await runCli(['scan', '--action', 'quarantine', ...ctx, file])).code).toBe(1);
    const [item] = await list(ctx);
    const killed = await runCli(['quarantine', 'restore', '--yes', ...ctx, item!.id], { env: { ...process.env, EPQ_FAULT: step } });
    expect(killed.code).toBeNull();
    const after = await list(ctx);
    const leftovers = readdirSync(join(file, '..')).filter((n) => n.startsWith('.epq-restore-'));
    expect(leftovers).toEqual([]);
    const linked = step === 'restore:after-link' || step === 'restore:after-side-effects';
    expect(existsSync(file)).toBe(linked);
    if (linked) {
      expect(await readFile(file)).toEqual(eicarBytes());
      expect(after.map((i) => i.phase)).toEqual(['restored']);
    } else {
      expect(after.map((i) => i.phase)).toEqual(['complete']);
      expect((await runCli(['quarantine', 'restore', '--yes', ...ctx, item!.id])).code).toBe(0);
      expect(await readFile(file)).toEqual(eicarBytes());
    }
    expect(await readFile(join(file, '../../../etc/crontab'), 'utf8')).toBe(CRONTAB);
  });

  /** Five detected files in one folder: the scan quarantines them in one batch. */
  async function setupBatch(name: string): Promise<{ root: string; state: string; files: string[]; ctx: string[] }> {
    const { root, state, ctx } = await setup(name);
    const files = [1, 2, 3, 4, 5].map((n) => join(root, 'home/u', `batch-${n}.com`));
    for (const f of files) await writeFile(f, eicarBytes());
    await writeFile(join(root, 'home/u/payload.com'), 'clean now');
    return { root, state, files, ctx };
  }

  /** Each file is back in place (and not held) or gone and complete in quarantine; returns how many are in quarantine. */
  async function expectEachInOnePlace(root: string, files: string[], items: ListedItem[]): Promise<number> {
    let held = 0;
    for (const f of files) {
      const mine = items.filter((i) => join(root, i.originalPath) === f && i.phase !== 'restored');
      if (existsSync(f)) {
        expect(await readFile(f)).toEqual(eicarBytes());
        expect(mine).toEqual([]);
      } else {
        expect(mine.map((i) => i.phase)).toEqual(['complete']);
        held++;
      }
    }
    return held;
  }

  it.each(QUARANTINE_STEPS.map((s) => [s]))('a batch of 5 being quarantined, killed at %s', async (step) => {
    const { root, state, files, ctx } = await setupBatch(`batch-${step.replace(/\W/g, '-')}`);
    const killed = await runCli(['scan', '--action', 'quarantine', ...ctx, join(root, 'home/u')], { env: { ...process.env, EPQ_FAULT: inBatch(step) } });
    expect(killed.code).toBeNull();
    const items = await list(ctx);
    expect(readdirSync(join(state, 'quarantine', 'blobs')).filter((b) => b.endsWith('.tmp'))).toEqual([]);
    // One chunk, one commit: before it all five are back, after it all five are in quarantine.
    expect(await expectEachInOnePlace(root, files, items)).toBe(committed.has(step) ? 5 : 0);
    const ids = items.filter((i) => i.phase === 'complete').map((i) => i.id);
    if (ids.length > 0) expect((await runCli(['quarantine', 'restore', '--yes', ...ctx, ...ids])).code).toBe(0);
    for (const f of files) expect(await readFile(f)).toEqual(eicarBytes());
  });

  const restoredAt: Record<string, number> = { 'restore:after-intent': 0, 'restore:after-temp-write': 0, 'restore:after-link': 3, 'restore:after-side-effects': 5 };

  it.each(RESTORE_STEPS.map((s) => [s]))('a batch of 5 being restored, killed at %s', async (step) => {
    const { root, state, files, ctx } = await setupBatch(`restore-batch-${step.replace(/\W/g, '-')}`);
    expect((await runCli(['scan', '--action', 'quarantine', ...ctx, join(root, 'home/u')])).code).toBe(1);
    const ids = (await list(ctx)).map((i) => i.id);
    expect(ids).toHaveLength(5);
    expect(await restoreManyInChild(state, root, ids, inBatch(step))).toBeNull();
    const items = await list(ctx);
    expect(readdirSync(join(root, 'home/u')).filter((n) => n.startsWith('.epq-restore-'))).toEqual([]);
    expect(await expectEachInOnePlace(root, files, items)).toBe(5 - restoredAt[step]!);
    expect(items.filter((i) => i.phase === 'restored')).toHaveLength(restoredAt[step]!);
    const left = items.filter((i) => i.phase === 'complete').map((i) => i.id);
    if (left.length > 0) expect((await runCli(['quarantine', 'restore', '--yes', ...ctx, ...left])).code).toBe(0);
    for (const f of files) expect(await readFile(f)).toEqual(eicarBytes());
  });
});
