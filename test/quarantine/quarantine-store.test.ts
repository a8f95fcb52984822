import { chmod, lstat, readdir, readFile, rename, rm, stat, symlink, utimes } from 'node:fs/promises';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deleteItem, exportItem, readItemContent } from '../../agent/quarantine/manage-items.js';
import { purgeQuarantine } from '../../agent/quarantine/purge.js';
import { QuarantineError } from '../../agent/quarantine/quarantine-errors.js';
import { restoreItem } from '../../agent/quarantine/restore-item.js';
import { makeStoreFixture } from './store-fixture.js';

const detection = [{ signature: 'Test.Sig', kind: 'body' as const, offset: 0 }];

async function expectQuarantineError(promise: Promise<unknown>, word: string, message: RegExp): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(QuarantineError);
  expect((error as QuarantineError).word).toBe(word);
  expect((error as Error).message).toMatch(message);
}

describe('quarantine store', () => {
  let fx: Awaited<ReturnType<typeof makeStoreFixture>>;
  beforeEach(async () => {
    fx = await makeStoreFixture();
  });
  afterEach(() => fx.cleanup());

  it('round-trips bytes, mode and times; the package is encrypted; the record has the guide columns', async () => {
    const content = Buffer.concat([Buffer.from('malicious-looking '), Buffer.alloc(3 << 20, 0x41)]);
    const real = await fx.writeSystemFile('/home/bob/tool.bin', content, 0o751);
    await utimes(real, new Date('2020-01-02T03:04:05Z'), new Date('2021-06-07T08:09:10Z'));
    const before = await stat(real);
    const store = await fx.open();
    const { item, originalRemoved } = await store.quarantine({ path: '/home/bob/tool.bin', detections: detection, definitionsSequence: 7 });
    expect(originalRemoved).toBe(true);
    expect(existsSync(real)).toBe(false);
    expect(item).toMatchObject({ fileName: 'tool.bin', originalPath: '/home/bob/tool.bin', size: content.length, computer: 'test-host', userName: `user${before.uid}`, status: 'Quarantined', state: 'infected', virusName: 'Test.Sig', definitionsSequence: 7, phase: 'complete' });
    const blob = readFileSync(store.blobPath(item.id));
    expect(blob.includes(Buffer.from('malicious-looking'))).toBe(false);
    expect(fx.events.map((e) => e.name)).toEqual(['quarantined']);
    const out = await restoreItem(store, item.id, { reason: 'test' });
    expect(out.path).toBe(real);
    expect(await readFile(real)).toEqual(content);
    const after = await stat(real);
    expect(after.mode & 0o7777).toBe(0o751);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(after.uid).toBe(before.uid);
    expect(existsSync(store.blobPath(item.id))).toBe(false);
    expect(store.records.get(item.id)!.phase).toBe('restored');
    store.close();
  });

  it('refuses to overwrite an occupied original path, or restores beside it with rename', async () => {
    await fx.writeSystemFile('/srv/a.txt', 'quarantined');
    const store = await fx.open();
    const { item } = await store.quarantine({ path: '/srv/a.txt', detections: detection, definitionsSequence: 1 });
    await fx.writeSystemFile('/srv/a.txt', 'new file in the way');
    await expectQuarantineError(restoreItem(store, item.id, { reason: 't' }), 'occupied', /already exists; restore with --rename/);
    expect(await readFile(join(fx.root, 'srv/a.txt'), 'utf8')).toBe('new file in the way');
    expect(store.records.get(item.id)!.phase).toBe('complete');
    const out = await restoreItem(store, item.id, { reason: 't', rename: true });
    expect(out.path).toBe(join(fx.root, 'srv/a.restored.txt'));
    expect(await readFile(out.path, 'utf8')).toBe('quarantined');
    store.close();
  });

  it('restores to another folder and recreates missing parent folders', async () => {
    await fx.writeSystemFile('/deep/er/x.bin', 'x');
    const store = await fx.open();
    const a = (await store.quarantine({ path: '/deep/er/x.bin', detections: detection, definitionsSequence: 1 })).item;
    await rm(join(fx.root, 'deep'), { recursive: true });
    await restoreItem(store, a.id, { reason: 't' });
    expect(await readFile(join(fx.root, 'deep/er/x.bin'), 'utf8')).toBe('x');
    await fx.writeSystemFile('/y.bin', 'y');
    const b = (await store.quarantine({ path: '/y.bin', detections: detection, definitionsSequence: 1 })).item;
    const out = await restoreItem(store, b.id, { reason: 't', to: join(fx.dir, 'elsewhere') });
    expect(out.path).toBe(join(fx.dir, 'elsewhere', 'y.bin'));
    store.close();
  });

  it('detects a tampered package: content error, item kept, nothing written', async () => {
    await fx.writeSystemFile('/t.bin', 'tamper me please');
    const store = await fx.open();
    const { item } = await store.quarantine({ path: '/t.bin', detections: detection, definitionsSequence: 1 });
    const blob = readFileSync(store.blobPath(item.id));
    blob[blob.length - 20]! ^= 0xff;
    writeFileSync(store.blobPath(item.id), blob);
    await expectQuarantineError(restoreItem(store, item.id, { reason: 't' }), 'content', /failed its integrity check/);
    expect(existsSync(join(fx.root, 't.bin'))).toBe(false);
    expect(await readdir(fx.root)).toEqual([]);
    const kept = store.records.get(item.id)!;
    expect(kept.phase).toBe('complete');
    expect(kept.errors.map((e) => e.word)).toEqual(['content']);
    store.close();
  });

  it('refuses a path that escapes the root, and a symlink swapped in for the detected file', async () => {
    const store = await fx.open();
    await expectQuarantineError(store.quarantine({ path: '/../../etc/passwd', detections: detection, definitionsSequence: 1 }), 'malformed', /contains ".."; refused/);
    await fx.writeSystemFile('/victim.txt', 'precious');
    await symlink(join(fx.root, 'victim.txt'), join(fx.root, 'swapped'));
    await expectQuarantineError(store.quarantine({ path: '/swapped', detections: detection, definitionsSequence: 1 }), 'type', /symbolic link now/);
    expect(await readFile(join(fx.root, 'victim.txt'), 'utf8')).toBe('precious');
    expect((await lstat(join(fx.root, 'swapped'))).isSymbolicLink()).toBe(true);
    store.close();
  });

  it('refuses when the path now names another file than the one scanned', async () => {
    const real = await fx.writeSystemFile('/s.bin', 'scanned');
    const scanned = await stat(real);
    // Written beside and renamed over, so the new file surely has another inode.
    await fx.writeSystemFile('/s.bin.new', 'replaced');
    await rename(join(fx.root, 's.bin.new'), real);
    const store = await fx.open();
    await expectQuarantineError(store.quarantine({ path: '/s.bin', detections: detection, definitionsSequence: 1, expected: { dev: scanned.dev, ino: scanned.ino } }), 'changed', /replaced after it was scanned/);
    expect(await readFile(real, 'utf8')).toBe('replaced');
    store.close();
  });

  it('refuses a restore whose folder is a symlink leading out of the root', async () => {
    await fx.writeSystemFile('/d/e.bin', 'e');
    const store = await fx.open();
    const { item } = await store.quarantine({ path: '/d/e.bin', detections: detection, definitionsSequence: 1 });
    await rm(join(fx.root, 'd'), { recursive: true });
    await symlink(fx.dir, join(fx.root, 'd'));
    await expectQuarantineError(restoreItem(store, item.id, { reason: 't' }), 'malformed', /would leave/);
    expect(existsSync(join(fx.dir, 'e.bin'))).toBe(false);
    store.close();
  });

  it('exports a decrypted copy and keeps the item; deletes for good', async () => {
    await fx.writeSystemFile('/x.bin', 'export me');
    const store = await fx.open();
    const { item } = await store.quarantine({ path: '/x.bin', detections: detection, definitionsSequence: 1 });
    const path = exportItem(store, item.id, fx.dir);
    expect(await readFile(path, 'utf8')).toBe('export me');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(() => exportItem(store, item.id, fx.dir)).toThrow(/can't write/);
    let seen = '';
    readItemContent(store, store.records.get(item.id)!, (c) => (seen += c.toString()));
    expect(seen).toBe('export me');
    deleteItem(store, item.id, 'test');
    expect(store.records.get(item.id)).toBeUndefined();
    expect(existsSync(store.blobPath(item.id))).toBe(false);
    expect(() => deleteItem(store, item.id, 'test')).toThrow(/no quarantined item/);
    store.close();
  });

  it('purges past the age limit and the oldest past the size limit, with a low-space event', async () => {
    const store = await fx.open();
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      await fx.writeSystemFile(`/f${n}.bin`, Buffer.alloc(1000, n));
      ids.push((await store.quarantine({ path: `/f${n}.bin`, detections: detection, definitionsSequence: 1 })).item.id);
    }
    const packageSize = store.records.get(ids[0]!)!.packageSize;
    const purged = purgeQuarantine(store, { maxSize: packageSize * 2 + 10, maxAge: 0, lowSpaceRatio: 0.9 });
    expect(purged.map((i) => i.id)).toEqual([ids[0]]);
    expect(fx.events.map((e) => e.name)).toContain('disk quota remaining is low');
    const later = Date.now() + 10 * 86_400_000;
    expect(purgeQuarantine(store, { maxSize: 0, maxAge: 86_400_000, lowSpaceRatio: 0.9 }, later).map((i) => i.id)).toEqual([ids[1], ids[2]]);
    expect(store.records.held()).toEqual([]);
    store.close();
  });

  it('refuses a key file that others can read', async () => {
    const store = await fx.open();
    store.close();
    await chmod(join(fx.stateDir, 'quarantine', 'key'), 0o644);
    await expect(fx.open()).rejects.toThrow(/readable by others/);
  });

  it('keeps the original when it changes while being quarantined', async () => {
    const real = await fx.writeSystemFile('/grow.log', 'line 1\n');
    const store = await fx.open();
    const original = store.removeOriginal.bind(store);
    store.removeOriginal = (path, copied) => {
      writeFileSync(real, 'line 1\nline 2 written meanwhile\n');
      return original(path, copied);
    };
    const { item, originalRemoved } = await store.quarantine({ path: '/grow.log', detections: detection, definitionsSequence: 1 });
    expect(originalRemoved).toBe(false);
    expect(await readFile(real, 'utf8')).toBe('line 1\nline 2 written meanwhile\n');
    expect(store.records.get(item.id)!.errors.map((e) => e.word)).toEqual(['changed']);
    store.close();
  });
});
