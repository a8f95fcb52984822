import { execFileSync } from 'node:child_process';
import { chownSync, closeSync, existsSync, lchownSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEntry, NotRegularFileError, openRegularForReading, statEntry, unlinkEntry } from '../../agent/safe-fs/folder-entries.js';
import { closeFolder, openFolderBeneath, withFolderBeneath } from '../../agent/safe-fs/open-folder-beneath.js';
import { UnsafePathError } from '../../agent/safe-fs/unsafe-path-error.js';
import { createFileExclusive, replaceFileAtomic } from '../../agent/side-effects/file-writes.js';
import { resolveInRoot } from '../../agent/side-effects/rooted-path.js';
import { SideEffectPathError } from '../../agent/side-effects/side-effect-errors.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const NOBODY = 65534;

function refusal(run: () => unknown): UnsafePathError {
  try {
    run();
  } catch (err) {
    if (err instanceof UnsafePathError) return err;
    throw err;
  }
  throw new Error('expected an UnsafePathError');
}

/** Folders opened beneath a trusted root: which links are followed, and what is refused. */
describe('openFolderBeneath', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    let dir: string;
    ({ dir, cleanup } = await makeTempDir('epq-safefs-'));
    root = join(dir, 'root');
    mkdirSync(join(root, 'usr', 'lib'), { recursive: true, mode: 0o755 });
    mkdirSync(join(root, 'home', 'u'), { recursive: true, mode: 0o755 });
    mkdirSync(join(root, 'etc'), { mode: 0o755 });
    chownSync(join(root, 'home', 'u'), NOBODY, NOBODY);
  });
  afterEach(() => cleanup());

  it('follows a link root made where only root can write (like /lib -> usr/lib), relative or absolute', () => {
    symlinkSync('usr/lib', join(root, 'lib'));
    symlinkSync(join(root, 'usr'), join(root, 'usr2'));
    writeFileSync(join(root, 'usr', 'lib', 'x'), 'x');
    withFolderBeneath(root, join(root, 'lib'), (f) => expect(statEntry(f, 'x')?.size).toBe(1));
    withFolderBeneath(root, join(root, 'usr2', 'lib'), (f) => expect(statEntry(f, 'x')?.size).toBe(1));
  });

  it('refuses a link in a folder a user can write, naming it, and a link root made that leads out', () => {
    symlinkSync(join(root, 'etc'), join(root, 'home', 'u', 'drop'));
    lchownSync(join(root, 'home', 'u', 'drop'), NOBODY, NOBODY);
    const planted = refusal(() => openFolderBeneath(root, join(root, 'home', 'u', 'drop')));
    expect(planted.reason).toBe('symlink');
    expect(planted.at).toBe(join(root, 'home', 'u', 'drop'));
    expect(planted.message).toContain('someone other than root can write');
    // Root-owned, but in a world-writable folder: still refused.
    mkdirSync(join(root, 'tmp'));
    execFileSync('chmod', ['1777', join(root, 'tmp')]);
    symlinkSync(join(root, 'etc'), join(root, 'tmp', 'x'));
    expect(refusal(() => openFolderBeneath(root, join(root, 'tmp', 'x'))).reason).toBe('symlink');
    symlinkSync('/etc', join(root, 'out'));
    expect(refusal(() => openFolderBeneath(root, join(root, 'out'))).reason).toBe('escape');
    expect(refusal(() => openFolderBeneath(root, join(root, '..'))).reason).toBe('escape');
    writeFileSync(join(root, 'file'), '');
    expect(refusal(() => openFolderBeneath(root, join(root, 'file', 'x'), { createMode: 0o755 })).reason).toBe('not-folder');
  });

  it('creates missing folders, records them, and never creates through a planted link', () => {
    const folder = openFolderBeneath(root, join(root, 'home', 'u', 'a', 'b'), { createMode: 0o755 });
    expect(folder.created).toEqual([join(root, 'home', 'u', 'a'), join(root, 'home', 'u', 'a', 'b')]);
    closeFolder(folder);
    symlinkSync(join(root, 'etc'), join(root, 'home', 'u', 'link'));
    lchownSync(join(root, 'home', 'u', 'link'), NOBODY, NOBODY);
    refusal(() => openFolderBeneath(root, join(root, 'home', 'u', 'link', 'new'), { createMode: 0o755 }));
    expect(existsSync(join(root, 'etc', 'new'))).toBe(false);
  });

  it('acts on the folder it opened even after the path is swapped for a link', () => {
    const drop = join(root, 'home', 'u', 'drop');
    mkdirSync(drop);
    writeFileSync(join(drop, 'f'), 'user');
    writeFileSync(join(root, 'etc', 'f'), 'system');
    withFolderBeneath(root, drop, (folder) => {
      execFileSync('mv', [drop, `${drop}.old`]);
      symlinkSync(join(root, 'etc'), drop);
      unlinkEntry(folder, 'f');
      closeSync(createEntry(folder, 'created', 0o600));
    });
    expect(readFileSync(join(root, 'etc', 'f'), 'utf8')).toBe('system');
    expect(existsSync(join(root, 'etc', 'created'))).toBe(false);
    expect(existsSync(join(`${drop}.old`, 'created'))).toBe(true);
  });

  it('never opens a FIFO or a link for reading', () => {
    execFileSync('mkfifo', [join(root, 'etc', 'fifo')]);
    symlinkSync('fifo', join(root, 'etc', 'link'));
    withFolderBeneath(root, join(root, 'etc'), (folder) => {
      expect(() => openRegularForReading(folder, 'fifo')).toThrow(NotRegularFileError);
      expect(() => openRegularForReading(folder, 'fifo')).toThrow(/is a FIFO, not a regular file/);
      expect(() => openRegularForReading(folder, 'link')).toThrow(expect.objectContaining({ code: 'ELOOP' }));
    });
  });

  it('side effects: a path through a link a user planted is refused; writes never go through a swapped folder', async () => {
    // ~/.bashrc -> the stand-in /etc/ld.so.preload: a restored line would land in a system file.
    writeFileSync(join(root, 'etc', 'ld.so.preload'), '');
    symlinkSync(join(root, 'etc', 'ld.so.preload'), join(root, 'home', 'u', '.bashrc'));
    lchownSync(join(root, 'home', 'u', '.bashrc'), NOBODY, NOBODY);
    await expect(resolveInRoot(root, '/home/u/.bashrc')).rejects.toThrow(SideEffectPathError);
    await expect(resolveInRoot(root, '/home/u/.bashrc')).rejects.toThrow(/symbolic link .*\.bashrc in a folder that someone other than root can write/);
    const shape = { mode: 0o644, atimeMs: 0, mtimeMs: 0 };
    const drop = join(root, 'home', 'u', 'autostart');
    symlinkSync(join(root, 'etc'), drop);
    lchownSync(drop, NOBODY, NOBODY);
    await expect(createFileExclusive(join(drop, 'evil.desktop'), Buffer.from('x'), shape)).rejects.toThrow(UnsafePathError);
    await expect(replaceFileAtomic(join(drop, 'ld.so.preload'), Buffer.from('/home/u/evil.so\n'), shape)).rejects.toThrow(UnsafePathError);
    expect(readFileSync(join(root, 'etc', 'ld.so.preload'), 'utf8')).toBe('');
    expect(existsSync(join(root, 'etc', 'evil.desktop'))).toBe(false);
  });
});
