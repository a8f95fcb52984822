import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { countHeldTwice, heldPaths, itemErrorWords, publishSet } from '../../bench/storm-agent.js';
import { AgentProcess, waitUntil } from '../helpers/agent-process.js';
import { eicarBytes } from '../helpers/eicar.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const hex = (s: string): string => Buffer.from(s, 'latin1').toString('hex');
const FP = 'EPQ-DEFECTS-FALSE-POSITIVE';

interface LoggedEvent {
  name: string;
  message: string;
  data?: Record<string, unknown>;
}

/**
 * Issue 12 defects 7 and 9 and issue 11 defect 7, on a real agent process: SIGTERM in a burst
 * never makes a file two items; a protected folder deleted and re-created (or created after
 * the start) is protected again; a restore whose target was re-created keeps the item with
 * `occupied` recorded and an event, and every event names paths inside the root.
 */
describe('epq agent: bursts, stops, folders that come and go, restores refused', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let root: string;
  let stateDir: string;
  let source: string;
  let config: string;
  const watched = (): string => join(root, 'srv/prot');
  const later = (): string => join(root, 'srv/later');

  const events = async (): Promise<LoggedEvent[]> => (await readFile(join(stateDir, 'epq.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as LoggedEvent);

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('epq-storm-defects-'));
    root = join(dir, 'root');
    stateDir = join(dir, 'state');
    source = join(dir, 'liveupdate');
    await mkdir(watched(), { recursive: true });
    await mkdir(source);
    const eicarSig = `Eicar-Test-Signature:0:0:${eicarBytes().toString('hex')}\n`;
    await copyFile(await publishSet(dir, 1, { 'main.ndb': `${eicarSig}Test.FalsePositive:0:*:${hex(FP)}\n` }), join(source, 'defs-1.epqdefs'));
    await publishSet(dir, 2, { 'main.ndb': eicarSig });
    config = join(dir, 'agent.json');
    await writeFile(config, JSON.stringify({
      stateDir,
      root,
      // `later` does not exist at the start.
      watch: { paths: [watched(), later()], stableMs: '100ms' },
      definitions: { trustedKeys: [join(dir, 'pub.pub')], source, pollInterval: '1s' },
      log: { file: join(stateDir, 'epq.log') },
    }));
  }, 60_000);

  afterAll(async () => {
    await cleanup();
  });

  const startAgent = async (): Promise<AgentProcess> => {
    const agent = new AgentProcess(['--config', config]);
    await agent.waitFor('agent started');
    return agent;
  };

  it('SIGTERM during bursts of 60 detections, 3 cycles: every file held once, none missed', async () => {
    let agent = await startAgent();
    await waitUntil(async () => (await events()).some((e) => e.name === 'definitions installed'), 20_000, () => agent.output);
    const all: string[] = [];
    for (let cycle = 0; cycle < 3; cycle++) {
      const names = Array.from({ length: 60 }, (_, i) => `c${cycle}-burst-${i}.com`);
      all.push(...names);
      await Promise.all(names.map((n) => writeFile(join(watched(), n), eicarBytes())));
      // Stop once the burst is being worked, so part of it is held and part still pending.
      await waitUntil(() => heldPaths(stateDir).some((p) => p.includes(`/c${cycle}-burst-`)), 20_000, () => agent.output);
      expect(await agent.stop()).toBe(0);
      agent = await startAgent();
    }
    await waitUntil(() => all.every((n) => !existsSync(join(watched(), n))), 30_000, () => `files left in place: ${all.filter((n) => existsSync(join(watched(), n))).join(', ')}\n${agent.output}`);
    expect(await agent.stop()).toBe(0);
    const held = heldPaths(stateDir);
    expect(countHeldTwice(stateDir)).toBe(0);
    for (const n of all) expect(held.filter((p) => p === `/srv/prot/${n}`)).toHaveLength(1);
  }, 180_000);

  it('watches a protected folder again once it is deleted and re-created, and one created after the start', async () => {
    const agent = await startAgent();
    try {
      await rm(watched(), { recursive: true, force: true });
      await mkdir(watched());
      await mkdir(later());
      // Give the agent the folders' new identities, then drop EICAR into both.
      await waitUntil(async () => (await events()).filter((e) => e.name === 'watch error' && /re-created/.test(e.message)).length >= 2, 15_000, () => agent.output);
      await writeFile(join(watched(), 'after-recreate.com'), eicarBytes());
      await writeFile(join(later(), 'in-new-folder.com'), eicarBytes());
      await waitUntil(() => {
        const held = heldPaths(stateDir);
        return held.includes('/srv/prot/after-recreate.com') && held.includes('/srv/later/in-new-folder.com');
      }, 20_000, () => `not quarantined after the folders came back:\n${agent.output}`);
    } finally {
      await agent.stop();
    }
  }, 60_000);

  it('a restore whose target was re-created keeps the item, records `occupied` and logs it; events name paths inside the root', async () => {
    const agent = await startAgent();
    try {
      await writeFile(join(watched(), 'report.txt'), `q3 ${FP}\n`);
      await writeFile(join(watched(), 'other.txt'), `q4 ${FP}\n`);
      await waitUntil(() => ['/srv/prot/report.txt', '/srv/prot/other.txt'].every((p) => heldPaths(stateDir).includes(p)), 20_000, () => agent.output);
      // Someone writes a new, clean report where the quarantined one was.
      await writeFile(join(watched(), 'report.txt'), 'a new report\n');
      await copyFile(join(dir, 'defs-2.epqdefs'), join(source, 'defs-2.epqdefs'));
      await waitUntil(() => existsSync(join(watched(), 'other.txt')), 20_000, () => `other.txt not restored:\n${agent.output}`);
      await waitUntil(async () => (await events()).some((e) => e.name === 'quarantine rescanned' && e.data?.['sequence'] === 2), 20_000, () => agent.output);
      expect(await readFile(join(watched(), 'report.txt'), 'utf8')).toBe('a new report\n');
      expect(heldPaths(stateDir)).toContain('/srv/prot/report.txt');
      expect(itemErrorWords(stateDir, '/srv/prot/report.txt')).toContain('occupied');
    } finally {
      await agent.stop();
    }
    const log = await events();
    const failed = log.find((e) => e.name === 'restore failed' && e.data?.['path'] === '/srv/prot/report.txt');
    expect(failed).toMatchObject({ data: { word: 'occupied' } });
    const restored = log.filter((e) => e.name === 'restored');
    expect(restored.length).toBeGreaterThan(0);
    for (const e of [...restored, ...log.filter((x) => x.name === 'quarantined')]) expect(e.data?.['path']).toMatch(/^\/srv\//);
  }, 90_000);
});
