import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { QUARANTINE_STEPS, RESTORE_STEPS } from '../../agent/quarantine/fault-injection.js';
import { eicarBytes } from '../helpers/eicar.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

interface ListedItem {
  id: string;
  phase: string;
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
    return { root, state, file, ctx: ['--state-dir', state, '--root', root] };
  }

  async function list(ctx: string[]): Promise<ListedItem[]> {
    const r = await runCli(['quarantine', 'list', '--all', '--json', ...ctx]);
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as ListedItem[];
  }

  const committed = new Set<string>(['quarantine:after-commit', 'quarantine:after-unlink', 'quarantine:after-side-effects']);

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
    } else {
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
  });
});
