import { createHash } from 'node:crypto';
import { chownSync, existsSync, lchownSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { restoreItem } from '../../agent/quarantine/restore-item.js';
import { rescanQuarantine } from '../../agent/quarantine/rescan-quarantine.js';
import { ExceptionMatcher } from '../../agent/exceptions/exception-list.js';
import { compileEngine } from '../../scanner/engine.js';
import { parseSignatureFiles } from '../../scanner/signature-database.js';
import { eicarBytes } from '../helpers/eicar.js';
import { startExchangeAttacker } from '../helpers/exchange-attacker.js';
import { runCli } from '../helpers/run-cli.js';
import { makeStoreFixture } from './store-fixture.js';

const NOBODY = 65534;
const FILES = 200;

/**
 * Issue 12, defects 1 and 2: a local user who owns a scanned folder swaps it with a symlink to a
 * system folder (renameat2 RENAME_EXCHANGE, in a tight loop in another process) while root epq
 * quarantines from it or restores into it. Nothing in the system folder may be deleted, created
 * or changed, whatever the timing; each try is bounded and the whole test is bounded in time.
 */
describe('symlink and rename races against root epq', () => {
  let fx: Awaited<ReturnType<typeof makeStoreFixture>>;
  let home: string;
  let drop: string;
  let swap: string;
  let system: string;
  let systemBefore: Map<string, string>;

  beforeEach(async () => {
    fx = await makeStoreFixture();
    // /home/u belongs to the user, like the scanned /home/u/drop; /sys-standin is root's.
    home = join(fx.root, 'home', 'u');
    drop = join(home, 'drop');
    swap = join(home, 'swap');
    system = join(fx.root, 'sys-standin');
    mkdirSync(drop, { recursive: true });
    mkdirSync(system, { mode: 0o755 });
    chownSync(home, NOBODY, NOBODY);
    chownSync(drop, NOBODY, NOBODY);
    for (let i = 0; i < FILES; i++) writeFileSync(join(system, `f${i}.com`), `system file ${i}\n`);
    writeFileSync(join(system, 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
    symlinkSync(system, swap);
    lchownSync(swap, NOBODY, NOBODY);
    systemBefore = snapshot(system);
  });
  afterEach(() => fx.cleanup());

  function snapshot(dir: string): Map<string, string> {
    return new Map(readdirSync(dir).sort().map((n) => [n, createHash('sha256').update(readFileSync(join(dir, n))).digest('hex')]));
  }

  function dropUserFiles(): void {
    for (let i = 0; i < FILES; i++) {
      const path = join(drop, `f${i}.com`);
      if (!existsSync(path)) {
        writeFileSync(path, eicarBytes());
        chownSync(path, NOBODY, NOBODY);
      }
    }
  }

  it('`epq scan --action quarantine` never deletes a file in the folder a swapped-in symlink points to', async () => {
    const ctx = ['--state-dir', fx.stateDir, '--root', fx.root];
    const deadline = Date.now() + 20_000;
    let tries = 0;
    let swaps = 0;
    const seen = new Set<string>();
    for (; tries < 5 && Date.now() < deadline; tries++) {
      dropUserFiles();
      // Mostly the real folder, so that the scan finds the files, with short windows of the link.
      const attacker = await startExchangeAttacker(drop, swap, { swapped: 30, original: 70 });
      let scan;
      try {
        scan = await runCli(['scan', '--action', 'quarantine', ...ctx, drop]);
      } finally {
        swaps += await attacker.stop();
      }
      expect([0, 1, 2]).toContain(scan.code);
      expect(lstatSync(drop).isDirectory()).toBe(true);
      expect(snapshot(system)).toEqual(systemBefore);
      // An item that says its original was removed did remove it: the malware is not left in
      // place behind a "quarantined" record.
      const items = JSON.parse((await runCli(['quarantine', 'list', '--json', ...ctx])).stdout) as { fileName: string; originalRemoved: boolean; id: string }[];
      for (const item of items.filter((i) => !seen.has(i.id))) {
        seen.add(item.id);
        if (item.originalRemoved) expect(`${item.fileName} ${existsSync(join(drop, item.fileName)) ? 'still there' : 'removed'}`).toBe(`${item.fileName} removed`);
      }
    }
    expect(swaps).toBeGreaterThan(0);
    expect(tries).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('the quarantine the agent runs (quarantineMany) never deletes through a swapped-in symlink, in many rounds', async () => {
    const store = await fx.open();
    const deadline = Date.now() + 12_000;
    let rounds = 0;
    let removed = 0;
    for (; rounds < 12 && Date.now() < deadline; rounds++) {
      dropUserFiles();
      const attacker = await startExchangeAttacker(drop, swap, { swapped: 10, original: 10 });
      let results;
      try {
        results = await store.quarantineMany(Array.from({ length: FILES }, (_, i) => ({ path: `/home/u/drop/f${i}.com`, detections: [{ signature: 'Eicar', kind: 'body' as const, offset: 0 }], definitionsSequence: 1 })));
      } finally {
        await attacker.stop();
      }
      expect(snapshot(system)).toEqual(systemBefore);
      for (const r of results) {
        if (!r.ok || !r.outcome.originalRemoved) continue;
        removed++;
        expect(existsSync(join(drop, r.outcome.item.fileName))).toBe(false);
      }
    }
    expect(rounds).toBeGreaterThanOrEqual(2);
    expect(removed).toBeGreaterThan(0);
    store.close();
  }, 60_000);

  it('a restore never writes through a swapped-in symlink (the ld.so.preload attack), racing or not', async () => {
    const store = await fx.open();
    const preload = join(drop, 'ld.so.preload');
    const quarantineOnce = async (): Promise<string> => {
      writeFileSync(preload, eicarBytes());
      chownSync(preload, NOBODY, NOBODY);
      const { item } = await store.quarantine({ path: '/home/u/drop/ld.so.preload', detections: [{ signature: 'Eicar', kind: 'body', offset: 0 }], definitionsSequence: 1 });
      return item.id;
    };
    // The folder is a symlink while root restores: refused, naming the link.
    let id = await quarantineOnce();
    renameSwap();
    await expect(restoreItem(store, id, { reason: 'test' })).rejects.toThrow(`${drop} is a symbolic link in a folder that someone other than root can write`);
    expect(existsSync(join(system, 'ld.so.preload'))).toBe(false);
    renameSwap();
    // The same while another process swaps the folder and the link as fast as it can.
    const deadline = Date.now() + 10_000;
    let restored = 0;
    let refused = 0;
    for (let t = 0; t < 60 && Date.now() < deadline; t++) {
      const attacker = await startExchangeAttacker(drop, swap);
      try {
        await restoreItem(store, id, { reason: 'test' });
        restored++;
      } catch {
        refused++;
      } finally {
        await attacker.stop();
      }
      expect(snapshot(system)).toEqual(systemBefore);
      if (store.records.get(id)!.phase === 'restored') id = await quarantineOnce();
    }
    expect(restored + refused).toBeGreaterThan(0);
    store.close();
  }, 60_000);

  /** Puts the symlink where the folder was, or back (one exchange). */
  function renameSwap(): void {
    renameSync(drop, `${drop}.tmp`);
    renameSync(swap, drop);
    renameSync(`${drop}.tmp`, swap);
  }

  it('the silent restore after an update and `epq exceptions add` refuse a symlinked folder too', async () => {
    let store = await fx.open();
    const preload = join(drop, 'ld.so.preload');
    writeFileSync(preload, eicarBytes());
    chownSync(preload, NOBODY, NOBODY);
    const { item } = await store.quarantine({ path: '/home/u/drop/ld.so.preload', detections: [{ signature: 'Eicar', kind: 'body', offset: 0 }], definitionsSequence: 1 });
    renameSwap();
    // New definitions that no longer detect it: the rescan restores silently, or tries to.
    const database = parseSignatureFiles([{ name: 'none.ndb', data: Buffer.from(`Other.Sig:0:*:${Buffer.from('not in the file').toString('hex')}\n`) }]);
    const outcomes = await rescanQuarantine(store, { engine: compileEngine(database), sequence: 2, exceptions: new ExceptionMatcher([]), autoRestore: true });
    expect(outcomes.find((o) => o.id === item.id)).not.toMatchObject({ result: 'restored' });
    expect(existsSync(join(system, 'ld.so.preload'))).toBe(false);
    expect(store.records.get(item.id)!.phase).toBe('complete');
    store.close();
    // An exception for its SHA-256 restores what it covers, through the same checks.
    const sha = createHash('sha256').update(eicarBytes()).digest('hex');
    const added = await runCli(['exceptions', 'add', '--sha256', sha, '--state-dir', fx.stateDir, '--root', fx.root]);
    expect(added.stdout + added.stderr).toContain('symbolic link');
    expect(existsSync(join(system, 'ld.so.preload'))).toBe(false);
    expect(snapshot(system)).toEqual(systemBefore);
    store = await fx.open();
    expect(store.records.get(item.id)!.phase).toBe('complete');
    store.close();
  }, 60_000);
});

