import { symlink } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { restoreMany } from '../../agent/quarantine/restore-item.js';
import { makeStoreFixture } from './store-fixture.js';

const detection = [{ signature: 'Test.Sig', kind: 'body' as const, offset: 0 }];

describe('quarantineMany / restoreMany', () => {
  let fx: Awaited<ReturnType<typeof makeStoreFixture>>;
  beforeEach(async () => {
    fx = await makeStoreFixture();
  });
  afterEach(() => fx.cleanup());

  it('gives one result per request in order; a bad request does not stop the others', async () => {
    await fx.writeSystemFile('/a/one.bin', 'one');
    await fx.writeSystemFile('/b/two.bin', Buffer.alloc(3 << 20, 7));
    await fx.writeSystemFile('/a/three.bin', '');
    await symlink(join(fx.root, 'a/one.bin'), join(fx.root, 'a/link'));
    const store = await fx.open();
    const paths = ['/a/one.bin', '/a/missing.bin', '/b/two.bin', '/a/link', '/../escape', '/a/three.bin'];
    const results = await store.quarantineMany(paths.map((path) => ({ path, detections: detection, definitionsSequence: 3 })));
    expect(results.map((r) => (r.ok ? 'ok' : r.error.word))).toEqual(['ok', 'missing', 'ok', 'type', 'malformed', 'ok']);
    const ids = results.flatMap((r) => (r.ok ? [r.outcome.item.id] : []));
    for (const r of results) if (r.ok) expect(r.outcome).toMatchObject({ originalRemoved: true, item: { phase: 'complete', definitionsSequence: 3 } });
    expect(readdirSync(store.blobDir).sort()).toEqual(ids.map((id) => `${id}.epqq`).sort());
    expect(existsSync(join(fx.root, 'a/one.bin'))).toBe(false);
    expect(fx.events.filter((e) => e.name === 'quarantined')).toHaveLength(3);

    const restored = await restoreMany(store, [...ids, 'nosuchitem'], { reason: 't' });
    expect(restored.map((r) => (r.ok ? 'ok' : r.error.word))).toEqual(['ok', 'ok', 'ok', 'missing']);
    expect(await readFile(join(fx.root, 'a/one.bin'), 'utf8')).toBe('one');
    expect(await readFile(join(fx.root, 'b/two.bin'))).toEqual(Buffer.alloc(3 << 20, 7));
    expect(await readFile(join(fx.root, 'a/three.bin'), 'utf8')).toBe('');
    expect(readdirSync(store.blobDir)).toEqual([]);
    expect(ids.map((id) => store.records.get(id)!.phase)).toEqual(['restored', 'restored', 'restored']);
    store.close();
  });

  it('restores two items bound for the same path: the second is refused, or put beside with rename', async () => {
    const store = await fx.open();
    const ids: string[] = [];
    for (const content of ['first', 'second', 'third']) {
      await fx.writeSystemFile('/same.txt', content);
      ids.push((await store.quarantine({ path: '/same.txt', detections: detection, definitionsSequence: 1 })).item.id);
    }
    const refused = await restoreMany(store, ids.slice(0, 2), { reason: 't' });
    expect(refused.map((r) => (r.ok ? 'ok' : r.error.word))).toEqual(['ok', 'occupied']);
    expect(await readFile(join(fx.root, 'same.txt'), 'utf8')).toBe('first');
    expect(store.records.get(ids[1]!)!.phase).toBe('complete');
    const renamed = await restoreMany(store, ids.slice(1), { reason: 't', rename: true });
    expect(renamed.map((r) => (r.ok ? r.outcome.path : r.error.message))).toEqual([join(fx.root, 'same.restored.txt'), join(fx.root, 'same.restored-2.txt')]);
    expect(await readFile(join(fx.root, 'same.restored-2.txt'), 'utf8')).toBe('third');
    expect(readdirSync(fx.root).filter((n) => n.startsWith('.epq-restore-'))).toEqual([]);
    store.close();
  });
});
