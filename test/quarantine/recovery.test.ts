import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { recoverStore } from '../../agent/quarantine/recover.js';
import { restoreItem } from '../../agent/quarantine/restore-item.js';
import { makeStoreFixture } from './store-fixture.js';

const detection = [{ signature: 'Test.Sig', kind: 'body' as const, offset: 0 }];

/**
 * States a power cut can leave but a SIGKILL can't (the crash-safety test covers those): the
 * writes that are deliberately not fsynced (the last commit of a quarantine or a restore, the
 * rename of the package) lost while later ones survived. Each is set up by hand from a finished
 * operation, then recovery must end with the file in exactly one place.
 */
describe('recovery after a power cut', () => {
  let fx: Awaited<ReturnType<typeof makeStoreFixture>>;
  beforeEach(async () => {
    fx = await makeStoreFixture();
  });
  afterEach(() => fx.cleanup());

  async function quarantined(name: string): Promise<{ store: Awaited<ReturnType<typeof fx.open>>; id: string; real: string }> {
    const real = await fx.writeSystemFile(`/srv/${name}`, `content of ${name}`);
    const store = await fx.open();
    const { item } = await store.quarantine({ path: `/srv/${name}`, detections: detection, definitionsSequence: 1 });
    expect(existsSync(real)).toBe(false);
    return { store, id: item.id, real };
  }

  const setPhase = (store: Awaited<ReturnType<typeof fx.open>>, id: string, phase: string, target: string | null = null): void => {
    store.db.prepare('UPDATE quarantine_items SET phase = ?, restore_target = ?, original_removed = 0 WHERE id = ?').run(phase, target, id);
  };

  it('finishes an item whose last (lazy) commit was lost', async () => {
    const { store, id, real } = await quarantined('a.bin');
    setPhase(store, id, 'stored');
    expect((await recoverStore(store)).finished).toEqual([id]);
    expect(store.records.get(id)).toMatchObject({ phase: 'complete', originalRemoved: true });
    expect(existsSync(real)).toBe(false);
    await restoreItem(store, id, { reason: 't' });
    expect(await readFile(real, 'utf8')).toBe('content of a.bin');
    store.close();
  });

  it('publishes the .tmp package of a recorded item whose rename was lost, with or without its last commit', async () => {
    const one = await quarantined('b.bin');
    const two = await quarantined('c.bin');
    renameSync(one.store.blobPath(one.id), one.store.tempBlobPath(one.id));
    // Named as earlier versions did, without the writer's pid.
    renameSync(two.store.blobPath(two.id), join(two.store.blobDir, `${two.id}.tmp`));
    setPhase(two.store, two.id, 'stored');
    await recoverStore(one.store);
    expect(readdirSync(one.store.blobDir).sort()).toEqual([`${one.id}.epqq`, `${two.id}.epqq`].sort());
    for (const { id, real } of [one, two]) {
      expect(one.store.records.get(id)!.phase).toBe('complete');
      await restoreItem(one.store, id, { reason: 't' });
      expect(existsSync(real)).toBe(true);
    }
    one.store.close();
    two.store.close();
  });

  it('deletes an unrecorded .tmp package (its original was never touched) but never an unrecorded .epqq', async () => {
    const store = await fx.open();
    writeFileSync(join(store.blobDir, '00112233aabbccdd.tmp'), 'half a package');
    writeFileSync(join(store.blobDir, '0011223344556677.epqq'), 'a package whose record is lost');
    await recoverStore(store);
    expect(readdirSync(store.blobDir)).toEqual(['0011223344556677.epqq']);
    store.close();
  });

  it("leaves a running writer's temp package alone (a CLI command while the agent works), deletes a dead one's", async () => {
    const store = await fx.open();
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    const live = `00112233aabbccdd.${process.ppid}.tmp`;
    writeFileSync(join(store.blobDir, live), 'being written by a process that is still running');
    writeFileSync(join(store.blobDir, `0011223344556677.${deadPid}.tmp`), 'left by a process that died');
    await recoverStore(store);
    expect(readdirSync(store.blobDir)).toEqual([live]);
    store.close();
  });

  it('finishes a restore whose last (lazy) commit was lost after the package was deleted', async () => {
    const { store, id, real } = await quarantined('d.bin');
    await restoreItem(store, id, { reason: 't' });
    expect(existsSync(store.blobPath(id))).toBe(false);
    setPhase(store, id, 'restoring', real);
    expect((await recoverStore(store)).finished).toEqual([id]);
    expect(store.records.get(id)!.phase).toBe('restored');
    expect(await readFile(real, 'utf8')).toBe('content of d.bin');
    store.close();
  });

  it('drops a recorded item whose package did not reach the disk whole, and keeps the original', async () => {
    // The record is committed while the package is being fsynced: a power cut can keep the
    // first and lose part of the second. The original is still in place in that window.
    const { store, id, real } = await quarantined('f.bin');
    writeFileSync(real, 'content of f.bin');
    truncateSync(store.blobPath(id), 30);
    renameSync(store.blobPath(id), store.tempBlobPath(id));
    setPhase(store, id, 'stored');
    expect((await recoverStore(store)).rolledBack).toEqual([id]);
    expect(store.records.get(id)).toBeUndefined();
    expect(readdirSync(store.blobDir)).toEqual([]);
    expect(await readFile(real, 'utf8')).toBe('content of f.bin');
    store.close();
  });

  it('never removes an original whose recorded package is missing', async () => {
    const { store, id, real } = await quarantined('e.bin');
    writeFileSync(real, 'content of e.bin');
    unlinkSync(store.blobPath(id));
    setPhase(store, id, 'stored');
    expect((await recoverStore(store)).rolledBack).toEqual([id]);
    expect(store.records.get(id)).toBeUndefined();
    expect(await readFile(real, 'utf8')).toBe('content of e.bin');
    store.close();
  });
});
