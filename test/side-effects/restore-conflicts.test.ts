import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkRestorable,
  findSideEffects,
  removeSideEffects,
  restoreSideEffects,
  SideEffectRestoreError,
  splitFoundSideEffects,
  type FileSideEffect,
  type LineSideEffect,
  type SideEffect,
} from '../../agent/side-effects/index.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { COMPANIONS, expectSameTree, DETECTED, fakeSystemFiles, readText, snapshotTree, writeFakeFiles } from './fake-system.js';

describe('restore refusals and all-or-nothing', () => {
  let root: string;
  let outside: string;
  let cleanup: () => Promise<void>;
  let effects: SideEffect[];
  let contents: Map<string, Buffer>;

  beforeEach(async () => {
    const temp = await makeTempDir('epq-conflict-');
    cleanup = temp.cleanup;
    root = join(temp.dir, 'root');
    outside = join(temp.dir, 'outside');
    await mkdir(outside);
    await writeFakeFiles(root, fakeSystemFiles());
    ({ effects, contents } = splitFoundSideEffects((await findSideEffects({ root, detectedPath: DETECTED, companions: COMPANIONS })).effects));
    await removeSideEffects(root, effects);
  });
  afterEach(() => cleanup());

  const byPath = (path: string): SideEffect => effects.find((e) => e.path === path)!;
  const payload = '/tmp/epq-demo-dropper.payload';

  it('refuses to overwrite a different file in a companion’s place, and the dry run says so without touching anything', async () => {
    await writeFile(join(root, payload), 'someone else’s file');
    const before = await snapshotTree(root);
    expect(await checkRestorable(root, effects, contents)).toEqual([{ path: payload, reason: expect.stringMatching(/different file already exists/) }]);
    expectSameTree(await snapshotTree(root), before);
    await expect(restoreSideEffects(root, effects, contents)).rejects.toMatchObject({ name: 'SideEffectRestoreError', path: payload });
    expectSameTree(await snapshotTree(root), before);
    expect(await readText(root, payload)).toBe('someone else’s file');
  });

  it('treats a file with the very same bytes as already restored', async () => {
    await writeFile(join(root, payload), contents.get((byPath(payload) as FileSideEffect).sha256)!);
    expect(await checkRestorable(root, effects, contents)).toEqual([]);
    const results = await restoreSideEffects(root, [byPath(payload)], contents);
    expect(results[0]!.placement).toBe('already-present');
  });

  it('undoes the first restore when the second of three fails, and never starts the third', async () => {
    await writeFile(join(root, payload), 'in the way');
    const three = [byPath('/etc/crontab'), byPath(payload), byPath('/etc/xdg/autostart/evil.desktop')];
    const before = await snapshotTree(root);
    const error = await restoreSideEffects(root, three, contents).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SideEffectRestoreError);
    expect(error).toMatchObject({ path: payload, rollbackFailures: [] });
    expect((error as Error).message).toMatch(/cannot restore \/tmp\/epq-demo-dropper\.payload: a different file/);
    // Byte, mode, owner and mtime identical: the crontab's undo also put its times back.
    expectSameTree(await snapshotTree(root), before);
  });

  it('undoes a created file when a later step fails', async () => {
    const desktop = byPath('/etc/xdg/autostart/evil.desktop') as FileSideEffect;
    const broken = new Map(contents);
    broken.delete((byPath('/var/tmp/evil-2.dat') as FileSideEffect).sha256);
    const three = [desktop, byPath('/var/tmp/evil-2.dat'), byPath('/etc/ld.so.preload')];
    await expect(restoreSideEffects(root, three, broken)).rejects.toMatchObject({ path: '/var/tmp/evil-2.dat', reason: expect.stringMatching(/bytes .* missing/) });
    expect(await readdir(join(root, 'etc/xdg/autostart'))).toEqual(['clean.desktop']);
    expect(await readText(root, '/etc/ld.so.preload')).toBe('/usr/lib/libgood.so\n');
  });

  it('refuses a recorded path with ".." or one that leads out of the root through a symlink', async () => {
    await symlink(outside, join(root, 'etc/escape'));
    await writeFile(join(outside, 'crontab'), '* * * * * root /opt/evil/x.bin\n');
    const climbing: FileSideEffect = { ...(byPath(payload) as FileSideEffect), path: '/tmp/../../outside/dropped' };
    const linked: FileSideEffect = { ...(byPath(payload) as FileSideEffect), path: '/etc/escape/dropped' };
    const linkedLine: LineSideEffect = { ...(byPath('/etc/crontab') as LineSideEffect), path: '/etc/escape/crontab', lineIndex: 0, before: null, line: '* * * * * root /opt/evil/x.bin' };

    expect(await checkRestorable(root, [climbing, linked], contents)).toEqual([
      { path: climbing.path, reason: expect.stringMatching(/"\.\."/) },
      { path: linked.path, reason: expect.stringMatching(/outside the filesystem root/) },
    ]);
    await expect(restoreSideEffects(root, [linked], contents)).rejects.toMatchObject({ path: '/etc/escape/dropped' });
    const removed = await removeSideEffects(root, [linkedLine, climbing]);
    expect(removed.map((r) => r.status)).toEqual(['failed', 'failed']);
    expect(removed[0]!.reason).toMatch(/outside the filesystem root/);
    expect(await readdir(outside)).toEqual(['crontab']);
    expect(await readFile(join(outside, 'crontab'), 'utf8')).toBe('* * * * * root /opt/evil/x.bin\n');
  });
});
