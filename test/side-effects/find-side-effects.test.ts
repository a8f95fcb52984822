import { createHash } from 'node:crypto';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findSideEffects, SideEffectPathError, type FoundSideEffect, type LineSideEffect } from '../../agent/side-effects/index.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { COMPANIONS, CRONTAB_LINES, DETECTED, fakeSystemFiles, OLD_TIME, writeFakeFiles } from './fake-system.js';

const label = (e: FoundSideEffect): string => `${e.kind} ${e.role} ${e.path}${e.kind === 'line' ? `:${e.lineIndex}` : ''}`;

describe('findSideEffects', () => {
  let root: string;
  let outside: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const temp = await makeTempDir('epq-find-');
    cleanup = temp.cleanup;
    root = join(temp.dir, 'root');
    outside = join(temp.dir, 'outside');
    await mkdir(outside);
    await writeFakeFiles(root, fakeSystemFiles());
  });
  afterEach(() => cleanup());

  it('finds exactly the companions, lines and persistence files that reference the detected path', async () => {
    const { effects, warnings } = await findSideEffects({ root, detectedPath: DETECTED, companions: COMPANIONS });
    expect(warnings).toEqual([]);
    expect(effects.map(label)).toEqual([
      'file companion /tmp/epq-demo-dropper.payload',
      'file companion /var/tmp/evil-1.dat',
      'file companion /var/tmp/evil-2.dat',
      'file companion /opt/evil/x.conf',
      'line crontab /etc/crontab:2',
      'line cron.d /etc/cron.d/evil:2',
      'line user-crontab /var/spool/cron/crontabs/bob:1',
      'line shell-rc /etc/profile.d/evil.sh:1',
      'line ld.so.preload /etc/ld.so.preload:1',
      'line shell-rc /home/alice/.bashrc:1',
      'line shell-rc /home/bob/.bashrc:3',
      'file autostart /etc/xdg/autostart/evil.desktop',
      'file autostart /home/alice/.config/autostart/evil.desktop',
      'file systemd-unit /etc/systemd/system/evil.service',
      'file systemd-unit /etc/systemd/system/evil.timer',
    ]);
  });

  it('records a line with its neighbours, ending and file mode, and a file with bytes, mode and times', async () => {
    const { effects } = await findSideEffects({ root, detectedPath: DETECTED, companions: COMPANIONS });
    const crontab = effects.find((e) => e.path === '/etc/crontab');
    expect(crontab).toEqual({
      kind: 'line',
      role: 'crontab',
      path: '/etc/crontab',
      lineIndex: 2,
      line: CRONTAB_LINES[2],
      before: CRONTAB_LINES[1],
      after: CRONTAB_LINES[3],
      newline: '\n',
      terminated: true,
      fileMode: 0o644,
      fileUid: process.getuid!(),
      fileGid: process.getgid!(),
    });
    const bob = effects.find((e) => e.path === '/home/bob/.bashrc') as LineSideEffect;
    expect(bob).toMatchObject({ line: '/opt/evil/x.bin --quiet &', before: 'export X=1', after: null, newline: '\r\n', terminated: false, fileMode: 0o640 });
    const setuid = effects.find((e) => e.path === '/var/tmp/evil-1.dat');
    expect(setuid).toMatchObject({
      kind: 'file',
      size: 11,
      sha256: createHash('sha256').update('payload one').digest('hex'),
      mode: 0o4755,
      mtimeMs: OLD_TIME.getTime(),
      content: Buffer.from('payload one'),
    });
  });

  it('matches the path as a whole word only, never a longer path or a comment', async () => {
    const files = fakeSystemFiles();
    await writeFakeFiles(root, {
      '/etc/cron.d/near-misses': {
        content: [
          '* * * * * root /opt/evil/x.bin2',
          '* * * * * root /opt/evil/x.bin.bak',
          '* * * * * root /usr/opt/evil/x.bin',
          '* * * * * root /opt/evil/x.bin/inner',
          '  # /opt/evil/x.bin',
          '',
        ].join('\n'),
      },
    });
    const { effects } = await findSideEffects({ root, detectedPath: DETECTED, companions: [] });
    expect(effects.filter((e) => e.path === '/etc/cron.d/near-misses')).toEqual([]);
    expect(effects.some((e) => e.path === '/etc/systemd/system/clean.service')).toBe(false);
    expect(files['/etc/systemd/system/clean.service']!.content).toContain('/opt/evil/x.bin2');
  });

  it('matches ~ and $HOME spellings only inside the home they belong to', async () => {
    const { effects } = await findSideEffects({ root, detectedPath: '/home/bob/.cache/x.bin', companions: [] });
    expect(effects.map(label)).toEqual(['line shell-rc /home/bob/.profile:1']);
  });

  it('falls back to the folders under /home when there is no /etc/passwd', async () => {
    await rm(join(root, 'etc/passwd'));
    const { effects } = await findSideEffects({ root, detectedPath: DETECTED, companions: [] });
    expect(effects.map(label)).toEqual(expect.arrayContaining(['line shell-rc /home/alice/.bashrc:1', 'line shell-rc /home/bob/.bashrc:3']));
  });

  it('skips with a warning what escapes the root, is too large, is not text or is a link', async () => {
    await writeFile(join(outside, 'crontab'), '* * * * * root /opt/evil/x.bin\n');
    await symlink(join(outside, 'crontab'), join(root, 'etc/cron.d/outside'));
    await writeFile(join(root, 'etc/cron.d/huge'), `* * * * * root /opt/evil/x.bin\n${'#'.repeat(1024 * 1024)}\n`);
    await writeFile(join(root, 'etc/cron.d/binary'), Buffer.concat([Buffer.from('* * * * * root /opt/evil/x.bin\n'), Buffer.from([0xff, 0xfe, 0x0a])]));
    await symlink('evil.desktop', join(root, 'etc/xdg/autostart/alias.desktop'));
    await symlink(join(outside, 'nothing'), join(root, 'tmp/epq-demo-dropper.payload.link'));
    const { effects, warnings } = await findSideEffects({
      root,
      detectedPath: DETECTED,
      companions: ['/tmp/epq-demo-dropper.payload.link', '/opt/*/x.conf', '/../etc/passwd'],
    });
    expect(warnings.map((w) => w.path).sort()).toEqual([
      '/../etc/passwd',
      '/etc/cron.d/binary',
      '/etc/cron.d/huge',
      '/etc/cron.d/outside',
      '/etc/xdg/autostart/alias.desktop',
      '/opt/*/x.conf',
      '/tmp/epq-demo-dropper.payload.link',
    ]);
    expect(warnings.find((w) => w.path === '/etc/cron.d/outside')!.reason).toMatch(/outside the filesystem root/);
    expect(warnings.find((w) => w.path === '/etc/cron.d/huge')!.reason).toMatch(/cap/);
    const paths = effects.map((e) => e.path);
    for (const skipped of ['/etc/cron.d/outside', '/etc/cron.d/huge', '/etc/cron.d/binary', '/etc/xdg/autostart/alias.desktop']) {
      expect(paths).not.toContain(skipped);
    }
  });

  it('sees a persistence file, folder or link created after an earlier search found none there', async () => {
    const before = await findSideEffects({ root, detectedPath: DETECTED, companions: [] });
    expect(before.effects.map(label)).not.toContain('line shell-rc /home/bob/.zshrc:0');
    await writeFile(join(root, 'home/bob/.zshrc'), '/opt/evil/x.bin\n');
    await mkdir(join(root, 'home/bob/.config/systemd/user'), { recursive: true });
    await writeFile(join(root, 'home/bob/.config/systemd/user/evil.service'), '[Service]\nExecStart=/opt/evil/x.bin\n');
    await symlink(join(outside, 'nowhere'), join(root, 'home/bob/.bash_login'));
    const after = await findSideEffects({ root, detectedPath: DETECTED, companions: [] });
    expect(after.effects.map(label)).toEqual(expect.arrayContaining([
      'line shell-rc /home/bob/.zshrc:0',
      'file systemd-unit /home/bob/.config/systemd/user/evil.service',
    ]));
    expect(after.warnings.map((w) => w.path)).toContain('/home/bob/.bash_login');
  });

  it('refuses companion patterns over the limits (from a set installed before them) and takes at most 64 companions', async () => {
    await writeFakeFiles(root, Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`/opt/evil/drop-${String(i).padStart(2, '0')}.dat`, { content: `drop ${i}` }])));
    const { effects, warnings } = await findSideEffects({ root, detectedPath: DETECTED, companions: ['/etc/*', '/opt/evil/drop-*'] });
    const companions = effects.filter((e) => e.kind === 'file' && e.role === 'companion').map((e) => e.path);
    expect(companions).toHaveLength(64);
    expect(companions.every((p) => p.startsWith('/opt/evil/drop-'))).toBe(true);
    expect(warnings).toEqual([
      { path: '/etc/*', reason: 'companion pattern refused: is a bare glob in the system folder /etc (a glob there must start with at least 3 literal characters, such as "/etc/evil-*")' },
      { path: '/etc/* /opt/evil/drop-*', reason: 'companion limit reached: 64 taken, 6 more matches left in place' },
    ]);
  });

  it('refuses a detected path that could climb out of the root', async () => {
    await expect(findSideEffects({ root, detectedPath: '/opt/../../etc/shadow', companions: [] })).rejects.toBeInstanceOf(SideEffectPathError);
    await expect(findSideEffects({ root, detectedPath: 'opt/evil/x.bin', companions: [] })).rejects.toThrow(/not an absolute path/);
  });
});
