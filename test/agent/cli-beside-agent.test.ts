import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentProcess, waitUntil } from '../helpers/agent-process.js';
import { eicarBytes } from '../helpers/eicar.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const FILES = 300;
const MARKER = ['harmless', 'storm', 'marker'].join('-');

interface Item {
  id: string;
  originalPath: string;
  phase: string;
}

/**
 * Issue 11 defect 1: CLI commands ran crash recovery on the running agent's live store and
 * "finished" its work in progress (7 of 300 files deleted, their records dropped, their packages
 * orphaned). A storm of detections then a definitions change that makes them all misfire, with
 * `quarantine list` and `exceptions list` spawned in a loop beside the agent the whole time:
 * every file must come back byte for byte, every record stay, no package be left behind.
 */
describe('CLI commands beside a running agent in a storm', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let agent: AgentProcess | null = null;

  beforeAll(async () => ({ dir, cleanup } = await makeTempDir('epq-beside-')));
  afterAll(async () => {
    if (agent && agent.child.exitCode === null) await agent.stop();
    await cleanup();
  });

  it('loses no file, record or package while list commands run in a loop', async () => {
    const root = join(dir, 'root');
    const protectedDir = join(root, 'srv/drop');
    const stateDir = join(dir, 'state');
    await mkdir(protectedDir, { recursive: true });
    expect((await runCli(['defs', 'keygen', '--out', join(dir, 'k')])).code).toBe(0);
    const build = async (sequence: number, sigs: string): Promise<string> => {
      const src = join(dir, `src-${sequence}`);
      await mkdir(src);
      await writeFile(join(src, 'main.ndb'), sigs);
      const out = join(dir, `defs-${sequence}.epqdefs`);
      const r = await runCli(['defs', 'build', '--sequence', String(sequence), '--from', src, '--key', join(dir, 'k.key'), '--out', out]);
      expect(r.stderr).toBe('');
      return out;
    };
    // Agents refuse a set that misses EICAR, so the storm is of false positives: set 1 also
    // detects a harmless marker, set 2 no longer does.
    const eicarSig = `Eicar-Test-Signature:0:0:${eicarBytes().toString('hex')}\n`;
    const bad = await build(1, `${eicarSig}Test.FalsePositive:0:*:${Buffer.from(MARKER).toString('hex')}\n`);
    const fixed = await build(2, eicarSig);
    const configFile = join(dir, 'agent.json');
    await writeFile(configFile, JSON.stringify({
      stateDir,
      root,
      watch: { paths: [protectedDir], stableMs: '100ms' },
      definitions: { trustedKeys: [join(dir, 'k.pub')] },
      log: { file: null },
    }));
    const ctx = ['--config', configFile];
    expect((await runCli(['defs', 'install', bad, ...ctx])).code).toBe(0);
    agent = new AgentProcess(ctx);
    await agent.waitFor('agent started', 30_000);

    let looping = true;
    let runs = 0;
    const failures: string[] = [];
    const loop = async (args: string[]): Promise<void> => {
      while (looping) {
        const r = await runCli([...args, ...ctx]);
        runs++;
        if (r.code !== 0) failures.push(`${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
      }
    };
    const loops = [loop(['quarantine', 'list']), loop(['exceptions', 'list'])];

    const contents = new Map<string, Buffer>();
    for (let i = 0; i < FILES; i++) contents.set(`f-${i}.txt`, Buffer.from(`report ${i} ${MARKER}\n`));
    await Promise.all([...contents].map(([name, bytes]) => writeFile(join(protectedDir, name), bytes)));

    const list = async (): Promise<Item[]> => JSON.parse((await runCli(['quarantine', 'list', '--all', '--json', ...ctx])).stdout) as Item[];
    const describe = async (what: string): Promise<string> => {
      const phases: Record<string, number> = {};
      for (const i of await list()) phases[i.phase] = (phases[i.phase] ?? 0) + 1;
      return `${what}: phases ${JSON.stringify(phases)}, ${(await readdir(protectedDir)).length} file(s) in place\n${agent!.output.slice(-3000)}`;
    };
    try {
      await waitUntil(async () => (await list()).filter((i) => i.phase === 'complete').length === FILES, 150_000, () => describe('not all quarantined'));
      expect((await runCli(['defs', 'install', fixed, ...ctx])).code).toBe(0);
      await waitUntil(async () => (await list()).filter((i) => i.phase === 'restored').length === FILES, 150_000, () => describe('not all restored'));
    } finally {
      looping = false;
      await Promise.all(loops);
    }
    expect(await agent.stop()).toBe(0);

    expect(runs).toBeGreaterThan(2);
    expect(failures).toEqual([]);
    const lost = [...contents.keys()].filter((name) => !existsSync(join(protectedDir, name)));
    expect(lost).toEqual([]);
    for (const [name, bytes] of contents) expect((await readFile(join(protectedDir, name))).equals(bytes)).toBe(true);
    const items = await list();
    expect(items.length).toBe(FILES);
    expect(new Set(items.map((i) => i.originalPath)).size).toBe(FILES);
    // Restored items keep no package: anything left in the blob folder is an orphan.
    expect(await readdir(join(stateDir, 'quarantine', 'blobs'))).toEqual([]);
  }, 420_000);
});
