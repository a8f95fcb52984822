import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  findSideEffects,
  removeSideEffects,
  restoreSideEffects,
  splitFoundSideEffects,
  type LineSideEffect,
  type SideEffect,
} from '../../agent/side-effects/index.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import {
  BOB_GID,
  expectSameTree,
  BOB_UID,
  COMPANIONS,
  CRONTAB_LINES,
  DETECTED,
  fakeSystemFiles,
  IS_ROOT,
  OLD_TIME,
  readText,
  snapshotTree,
  withoutMtime,
  writeFakeFiles,
} from './fake-system.js';

describe('remove and restore side effects', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let effects: SideEffect[];
  let contents: Map<string, Buffer>;

  beforeEach(async () => {
    ({ dir: root, cleanup } = await makeTempDir('epq-remove-'));
    await writeFakeFiles(root, fakeSystemFiles());
    ({ effects, contents } = splitFoundSideEffects((await findSideEffects({ root, detectedPath: DETECTED, companions: COMPANIONS })).effects));
  });
  afterEach(() => cleanup());

  const linePaths = (): string[] => [...new Set(effects.filter((e) => e.kind === 'line').map((e) => e.path))];
  const filePaths = (): string[] => effects.filter((e) => e.kind === 'file').map((e) => e.path);
  const lineOf = (path: string): LineSideEffect => effects.find((e): e is LineSideEffect => e.kind === 'line' && e.path === path)!;

  it('removes exactly the side effects and leaves every other byte, mode, owner and mtime alone', async () => {
    const before = await snapshotTree(root);
    const results = await removeSideEffects(root, effects);
    expect(results.map((r) => r.status)).toEqual(effects.map(() => 'removed'));

    const after = await snapshotTree(root);
    const expected = new Map(before);
    for (const path of filePaths()) expected.delete(path);
    for (const path of linePaths()) {
      const original = Buffer.from(before.get(path)!.content!, 'hex').toString('utf8');
      const gone = effects.filter((e): e is LineSideEffect => e.kind === 'line' && e.path === path).map((e) => e.lineIndex);
      const kept = original.split(/(?<=\n)/).filter((_, i) => !gone.includes(i)).join('');
      expected.set(path, { ...before.get(path)!, content: Buffer.from(kept).toString('hex') });
    }
    expect(withoutMtime(after, linePaths())).toEqual(withoutMtime(expected, linePaths()));
    // The mtime policy: an edited crontab must look edited, so that cron reloads it.
    expect((await stat(join(root, 'etc/crontab'))).mtimeMs).toBeGreaterThan(OLD_TIME.getTime());
    expect(await readText(root, '/etc/crontab')).toBe(CRONTAB_LINES.filter((_, i) => i !== 2).join('\n') + '\n');
  });

  it('keeps mode and owner of an edited file, and CRLF endings', async () => {
    await removeSideEffects(root, effects);
    const spool = await stat(join(root, 'var/spool/cron/crontabs/bob'));
    expect(spool.mode & 0o7777).toBe(0o600);
    if (IS_ROOT) expect([spool.uid, spool.gid]).toEqual([BOB_UID, BOB_GID]);
    expect(await readText(root, '/home/bob/.bashrc')).toBe('umask 022\r\nexport LANG=C\r\nexport X=1\r\n');
  });

  it('restores every file byte for byte, with mode, owner and (for recreated files) mtime', async () => {
    const original = await snapshotTree(root);
    await removeSideEffects(root, effects);
    const results = await restoreSideEffects(root, effects, contents);
    expect(results.map((r) => r.placement)).toEqual(effects.map((e) => (e.kind === 'file' ? 'created' : 'in-place')));
    expect(results.map((r) => r.effect)).toEqual(effects);
    const restored = await snapshotTree(root);
    // Line files are edited, so their mtime is now (see the policy); all else must be identical.
    expect(withoutMtime(restored, linePaths())).toEqual(withoutMtime(original, linePaths()));
    expect(restored.get('/var/tmp/evil-1.dat')).toMatchObject({ mode: 0o4755, mtimeMs: OLD_TIME.getTime() });
    expect(await readFile(join(root, 'home/bob/.bashrc'), 'latin1')).toBe('umask 022\r\nexport LANG=C\r\nexport X=1\r\n/opt/evil/x.bin --quiet &');
  });

  it('counts what is already back as restored and changes nothing', async () => {
    await removeSideEffects(root, effects);
    await restoreSideEffects(root, effects, contents);
    const once = await snapshotTree(root);
    const again = await restoreSideEffects(root, effects, contents);
    expect(new Set(again.map((r) => r.placement))).toEqual(new Set(['already-present']));
    expectSameTree(await snapshotTree(root), once);
  });

  it('puts a line after its context when the file changed meanwhile', async () => {
    await removeSideEffects(root, effects);
    const lines = CRONTAB_LINES.filter((_, i) => i !== 2);
    lines.unshift('MAILTO=admin');
    lines[3] = '17 * * * * root /opt/other --changed';
    await writeFile(join(root, 'etc/crontab'), lines.join('\n') + '\n');
    const [result] = await restoreSideEffects(root, [lineOf('/etc/crontab')], contents);
    expect(result).toMatchObject({ placement: 'after-context', lineIndex: 3, fileCreated: false });
    expect((await readText(root, '/etc/crontab')).split('\n')[3]).toBe(CRONTAB_LINES[2]);
    expect((await readText(root, '/etc/crontab')).split('\n')[2]).toBe(CRONTAB_LINES[1]);
  });

  it('appends a line whose context is gone, and recreates a vanished file with its mode and owner', async () => {
    await removeSideEffects(root, effects);
    await writeFile(join(root, 'etc/crontab'), 'MAILTO=admin\n# rewritten');
    await rm(join(root, 'var/spool/cron/crontabs/bob'));
    const results = await restoreSideEffects(root, [lineOf('/etc/crontab'), lineOf('/var/spool/cron/crontabs/bob')], contents);
    expect(results).toMatchObject([
      { placement: 'appended', lineIndex: 2, fileCreated: false },
      { placement: 'appended', lineIndex: 0, fileCreated: true },
    ]);
    expect(await readText(root, '/etc/crontab')).toBe(`MAILTO=admin\n# rewritten\n${CRONTAB_LINES[2]}\n`);
    expect(await readText(root, '/var/spool/cron/crontabs/bob')).toBe('@hourly /opt/evil/x.bin\n');
    const spool = await stat(join(root, 'var/spool/cron/crontabs/bob'));
    expect(spool.mode & 0o7777).toBe(0o600);
    if (IS_ROOT) expect([spool.uid, spool.gid]).toEqual([BOB_UID, BOB_GID]);
  });

  it('recreates missing folders above a restored file', async () => {
    const desktop = effects.find((e) => e.path === '/home/alice/.config/autostart/evil.desktop')!;
    await removeSideEffects(root, [desktop]);
    await rm(join(root, 'home/alice/.config'), { recursive: true });
    await restoreSideEffects(root, [desktop], contents);
    expect(await readText(root, desktop.path)).toBe(fakeSystemFiles()[desktop.path]!.content);
    expect((await stat(join(root, 'home/alice/.config/autostart'))).isDirectory()).toBe(true);
  });

  it('leaves a changed companion alone, finds a moved line, and reports a vanished one', async () => {
    await writeFile(join(root, 'tmp/epq-demo-dropper.payload'), 'replaced by the user');
    await writeFile(join(root, 'etc/crontab'), ['# new first line', ...CRONTAB_LINES].join('\n') + '\n');
    await writeFile(join(root, 'etc/cron.d/evil'), '# cleaned by hand\n');
    const pick = ['/tmp/epq-demo-dropper.payload', '/etc/crontab', '/etc/cron.d/evil'].map((p) => effects.find((e) => e.path === p)!);
    const results = await removeSideEffects(root, pick);
    expect(results).toMatchObject([
      { status: 'changed', reason: expect.stringMatching(/size/) },
      { status: 'removed', lineIndex: 3 },
      { status: 'gone', reason: expect.stringMatching(/no longer in the file/) },
    ]);
    expect(await readText(root, '/tmp/epq-demo-dropper.payload')).toBe('replaced by the user');
    expect(await readText(root, '/etc/crontab')).toBe(['# new first line', ...CRONTAB_LINES.filter((_, i) => i !== 2)].join('\n') + '\n');
  });
});
