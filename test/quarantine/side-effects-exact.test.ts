import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { restoreItem, restoreMany } from '../../agent/quarantine/restore-item.js';
import { createSideEffectPort } from '../../agent/quarantine/side-effect-adapter.js';
import type { SideEffectPort } from '../../agent/quarantine/side-effect-port.js';
import type { QuarantineItem, StoredSideEffect } from '../../agent/quarantine/quarantine-item.js';
import type { QuarantineStore } from '../../agent/quarantine/quarantine-store.js';
import { OLD_TIME, snapshotTree, withoutMtime, writeFakeFiles, expectSameTree, type FakeFile } from '../side-effects/fake-system.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { makeStoreFixture } from './store-fixture.js';

const detection = [{ signature: 'Test.Storm', kind: 'body' as const, offset: 0 }];
type Random = ReturnType<typeof seededRandom>;

const LINE_FILES = ['/etc/crontab', '/etc/cron.d/jobs', '/var/spool/cron/crontabs/bob', '/root/.bashrc', '/etc/profile.d/app.sh', '/etc/ld.so.preload'];
const bin = (i: number): string => `/opt/app/p${i}.bin`;

/**
 * A fake system whose persistence files hold lines for `n` programs in random places: several
 * per file, shared files, a CRLF file, unterminated last lines, blank and duplicate filler lines,
 * a line naming two programs; plus whole-file effects (units, one shared by two programs).
 */
function stormFiles(n: number, rnd: Random): Record<string, FakeFile> {
  const files: Record<string, FakeFile> = { '/etc/passwd': { content: 'root:x:0:0:root:/root:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/bash\n' } };
  const lines = new Map<string, string[]>(LINE_FILES.map((p) => [p, []]));
  const entry = (path: string, i: number): string => (path === '/etc/ld.so.preload' ? bin(i) : path.includes('cron') ? `${rnd.int(0, 59)} * * * * root ${bin(i)} --run` : `${bin(i)} &`);
  for (let i = 0; i < n; i++) {
    for (let k = rnd.int(1, 3); k > 0; k--) {
      const path = LINE_FILES[rnd.int(0, LINE_FILES.length - 1)]!;
      lines.get(path)!.push(entry(path, i));
    }
  }
  lines.get('/etc/crontab')!.push(`0 1 * * * root ${bin(0)} ${bin(1)}`);
  const fillers = ['', '# a comment', 'SHELL=/bin/sh', '', 'export A=1'];
  for (const [path, list] of lines) {
    for (let k = rnd.int(2, 6); k > 0; k--) list.splice(rnd.int(0, list.length), 0, fillers[rnd.int(0, fillers.length - 1)]!);
    // An entry as the unterminated last line, which a restore once gave a newline.
    if (path === '/etc/ld.so.preload') list.push(entry(path, rnd.int(0, n - 1)));
    const crlf = path === '/etc/cron.d/jobs';
    const unterminated = path === '/etc/ld.so.preload' || rnd.next() < 0.4;
    const text = list.join(crlf ? '\r\n' : '\n') + (unterminated ? '' : crlf ? '\r\n' : '\n');
    files[path] = path.includes('spool') ? { content: text, mode: 0o600, owner: { uid: 1001, gid: 1001 } } : { content: text };
  }
  for (let i = 0; i < n; i++) {
    files[bin(i)] = { content: `program ${i}`, mode: 0o755 };
    if (i % 3 === 0) files[`/etc/systemd/system/p${i}.service`] = { content: `[Service]\nExecStart=${bin(i)}\n` };
    if (i % 4 === 1) files[`/etc/xdg/autostart/p${i}.desktop`] = { content: `[Desktop Entry]\nExec=${bin(i)}\n`, mode: 0o600 };
  }
  files['/etc/systemd/system/shared.service'] = { content: `[Service]\nExecStart=${bin(2)}\nExecStartPost=${bin(3)}\n` };
  return files;
}

function shuffle<T>(items: readonly T[], rnd: Random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rnd.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function batches<T>(items: readonly T[], rnd: Random): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; ) {
    const size = rnd.int(1, 5);
    out.push(items.slice(i, i + size));
    i += size;
  }
  return out;
}

/** A batch goes through the batch path, or as concurrent single quarantines (the agent's way). */
async function quarantineBatch(store: QuarantineStore, paths: readonly string[], concurrent: boolean): Promise<QuarantineItem[]> {
  const request = (path: string) => ({ path, detections: detection, definitionsSequence: 1 });
  if (concurrent) return (await Promise.all(paths.map((p) => store.quarantine(request(p))))).map((o) => o.item);
  const results = await store.quarantineMany(paths.map(request));
  return results.map((r) => {
    if (!r.ok) throw r.error;
    return r.outcome.item;
  });
}

async function restoreBatch(store: QuarantineStore, ids: readonly string[], concurrent: boolean): Promise<string[]> {
  if (concurrent) return (await Promise.all(ids.map((id) => restoreItem(store, id, { reason: 'test' })))).flatMap((o) => o.notes);
  const results = await restoreMany(store, ids, { reason: 'test' });
  return results.flatMap((r) => {
    if (!r.ok) throw r.error;
    return r.outcome.notes;
  });
}

const removedLines = (items: readonly QuarantineItem[]): StoredSideEffect[] => items.flatMap((i) => i.sideEffects.filter((e) => e.kind === 'line' && e.removed === true));

/** The original file with the lines at the given original indexes left out. */
function withoutIndexes(original: Buffer, indexes: ReadonlySet<number>): string {
  return original.toString('utf8').split(/(?<=\n)/).filter((_, i) => !indexes.has(i)).join('');
}

describe('side effects put back exactly, at any scale and order', () => {
  let fx: Awaited<ReturnType<typeof makeStoreFixture>>;
  beforeEach(async () => {
    let port: SideEffectPort | undefined;
    fx = await makeStoreFixture({
      find: (...a) => port!.find(...a),
      remove: (...a) => port!.remove(...a),
      check: (...a) => port!.check(...a),
      restore: (...a) => port!.restore(...a),
    });
    port = createSideEffectPort(fx.root);
  });
  afterEach(() => fx.cleanup());

  const openStore = (): Promise<QuarantineStore> => fx.open();

  it.each([11, 2024, 77, 4242])('seed %i: random quarantine and restore batches leave every file as it was', async (seed) => {
    const rnd = seededRandom(seed);
    const n = 12;
    const files = stormFiles(n, rnd);
    await writeFakeFiles(fx.root, files);
    const before = await snapshotTree(fx.root);
    const originals = new Map(LINE_FILES.map((p) => [p, Buffer.from(files[p]!.content)]));
    const store = await openStore();

    const held = new Map<string, QuarantineItem>();
    for (const batch of batches(shuffle([...Array(n).keys()], rnd), rnd)) {
      for (const item of await quarantineBatch(store, batch.map(bin), rnd.next() < 0.5)) held.set(item.id, item);
    }
    // Every entry is out, and each item recorded exactly the lines that left the files.
    for (const path of LINE_FILES) {
      const now = await readFile(join(fx.root, path), 'utf8');
      expect(now).not.toMatch(/\/opt\/app\/p\d+\.bin/);
      const removed = removedLines([...held.values()]).filter((e) => e.path === path);
      const lost = originals.get(path)!.toString('utf8').split(/(?<=\n)/).length - (now === '' ? 0 : now.split(/(?<=\n)/).length);
      expect({ path, removed: removed.length }).toEqual({ path, removed: lost });
    }
    const shared = [...held.values()].flatMap((i) => i.sideEffects.filter((e) => e.path === '/etc/systemd/system/shared.service'));
    // Found by both only when they were in one batch: then it is gone for the second.
    expect(shared.map((e) => e.note ?? 'removed').filter((note) => note !== 'gone: the file no longer exists')).toEqual(['removed']);

    for (const batch of batches(shuffle([...held.keys()], rnd), rnd)) {
      const notes = await restoreBatch(store, batch, rnd.next() < 0.5);
      expect(notes.filter((note) => note.includes('fallback'))).toEqual([]);
      for (const id of batch) held.delete(id);
      // In between, each file is the original without exactly the lines still held.
      for (const path of LINE_FILES) {
        const out = new Set(removedLines([...held.values()]).filter((e) => e.path === path).map((e) => (e['position'] as { index: number }).index));
        expect({ path, text: await readFile(join(fx.root, path), 'utf8') }).toEqual({ path, text: withoutIndexes(originals.get(path)!, out) });
      }
    }
    // Bytes, modes and owners of the whole tree; mtimes too, except of the edited line files,
    // which must look edited to cron.
    const after = await snapshotTree(fx.root);
    expectSameTree(withoutMtime(after, LINE_FILES), withoutMtime(before, LINE_FILES));
    for (const path of LINE_FILES.filter((p) => before.get(p)!.content !== '')) {
      expect((await stat(join(fx.root, path))).mtimeMs).not.toBe(OLD_TIME.getTime());
    }
    store.close();
  });

  it('20 detections of one crontab at once: every line out, each recorded by its item, all back in order', async () => {
    const lines = ['SHELL=/bin/sh', ...Array.from({ length: 20 }, (_, i) => `${i} * * * * root ${bin(i)}`), '# end'];
    const files: Record<string, FakeFile> = { '/etc/crontab': { content: lines.join('\n') + '\n' } };
    for (let i = 0; i < 20; i++) files[bin(i)] = { content: `program ${i}` };
    await writeFakeFiles(fx.root, files);
    const store = await openStore();
    const items = (await Promise.all([...Array(20).keys()].map((i) => store.quarantine({ path: bin(i), detections: detection, definitionsSequence: 1 })))).map((o) => o.item);
    expect(await readFile(join(fx.root, 'etc/crontab'), 'utf8')).toBe('SHELL=/bin/sh\n# end\n');
    for (const [i, item] of items.entries()) {
      expect(item.sideEffects.map((e) => [e['line'], e.removed])).toEqual([[lines[i + 1], true]]);
    }
    await Promise.all(shuffle(items, seededRandom(5)).map((item) => restoreItem(store, item.id, { reason: 'test' })));
    expect(await readFile(join(fx.root, 'etc/crontab'), 'utf8')).toBe(lines.join('\n') + '\n');
    store.close();
  });

  it('a file edited in between gets its line back by the fallback, and the result says so', async () => {
    await writeFakeFiles(fx.root, {
      '/etc/crontab': { content: `SHELL=/bin/sh\n1 * * * * root ${bin(1)}\nMAILTO=root\n2 * * * * root ${bin(2)}\n` },
      [bin(1)]: { content: 'one' },
      [bin(2)]: { content: 'two' },
    });
    const store = await openStore();
    const one = (await store.quarantine({ path: bin(1), detections: detection, definitionsSequence: 1 })).item;
    const two = (await store.quarantine({ path: bin(2), detections: detection, definitionsSequence: 1 })).item;
    await writeFile(join(fx.root, 'etc/crontab'), '# added by the admin\nSHELL=/bin/sh\nMAILTO=root\n');
    const notes = (await restoreItem(store, one.id, { reason: 'test' })).notes;
    expect(notes).toEqual([expect.stringMatching(/^\/etc\/crontab: after-context \(fallback: the file changed since the line was removed \(3 lines where 2 were expected\)\)$/)]);
    await restoreItem(store, two.id, { reason: 'test' });
    expect(await readFile(join(fx.root, 'etc/crontab'), 'utf8')).toBe(`# added by the admin\nSHELL=/bin/sh\n1 * * * * root ${bin(1)}\nMAILTO=root\n2 * * * * root ${bin(2)}\n`);
    store.close();
  });

  it('a companion pattern over the limits is refused at run time, and the quarantined event says so', async () => {
    await writeFakeFiles(fx.root, { '/etc/hosts': { content: '127.0.0.1 localhost\n' }, [bin(1)]: { content: 'one' } });
    const store = await openStore();
    const { item } = await store.quarantine({ path: bin(1), detections: detection, definitionsSequence: 1, companions: ['/etc/*'] });
    expect(item.sideEffects).toEqual([]);
    expect(await readFile(join(fx.root, 'etc/hosts'), 'utf8')).toBe('127.0.0.1 localhost\n');
    expect(fx.events.find((e) => e.name === 'quarantined')?.data?.['sideEffectWarnings']).toEqual([
      '/etc/*: companion pattern refused: is a bare glob in the system folder /etc (a glob there must start with at least 3 literal characters, such as "/etc/evil-*")',
    ]);
    store.close();
  });

  it('a unit shared by two detections at once is removed for one and gone (not failed) for the other; a daemon-reload is reported', async () => {
    await writeFakeFiles(fx.root, {
      '/etc/systemd/system/both.service': { content: `[Service]\nExecStart=${bin(1)}\nExecStartPost=${bin(2)}\n` },
      [bin(1)]: { content: 'one' },
      [bin(2)]: { content: 'two' },
    });
    const store = await openStore();
    const items = (await Promise.all([1, 2].map((i) => store.quarantine({ path: bin(i), detections: detection, definitionsSequence: 1 })))).map((o) => o.item);
    const unitEffects = items.map((i) => i.sideEffects[0]!);
    expect(unitEffects.map((e) => e.note ?? `removed, daemon-reload ${String(e['daemonReload'])}`).sort()).toEqual(['gone: the file no longer exists', 'removed, daemon-reload needed']);
    const quarantined = fx.events.filter((e) => e.name === 'quarantined').map((e) => e.data?.['daemonReload']);
    expect(quarantined.sort()).toEqual(['needed', undefined]);
    const restored = await Promise.all(items.map((i) => restoreItem(store, i.id, { reason: 'test' })));
    expect(restored.flatMap((r) => r.notes).filter((n) => n.startsWith('systemd:'))).toEqual(['systemd: daemon-reload needed (the filesystem root is not /)']);
    expect(fx.events.filter((e) => e.name === 'restored').map((e) => e.data?.['daemonReload'])).toContain('needed');
    store.close();
  });
});
