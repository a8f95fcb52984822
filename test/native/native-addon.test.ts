import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, lstatSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import {
  fchownat, fstatat, futimens, linkat, mkdirat, nativeConstants, openat, openat2, readlinkat, renameat2, unlinkat, utimensat,
} from '../../agent/native/at-calls.js';
import { fanotifyInit, fanotifyMark } from '../../agent/native/fanotify.js';
import { getPeerCred } from '../../agent/native/peer-cred.js';
import { SystemCallError } from '../../agent/native/system-call-error.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const k = nativeConstants();

function caught(run: () => unknown): SystemCallError {
  try {
    run();
  } catch (err) {
    return err as SystemCallError;
  }
  throw new Error('expected a throw');
}

/** The native addon's calls, on real files, as root. */
describe('native addon', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let dirFd: number;
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir('epq-native-'));
    dirFd = openat(k.AT_FDCWD, dir, k.O_RDONLY | k.O_DIRECTORY);
  });
  afterEach(async () => {
    closeSync(dirFd);
    await cleanup();
  });

  it('opens relative to a folder, refuses a symlink with ELOOP, and carries errno like Node', () => {
    writeFileSync(join(dir, 'f'), 'data');
    symlinkSync(join(dir, 'f'), join(dir, 'link'));
    const fd = openat(dirFd, 'f', k.O_RDONLY | k.O_NOFOLLOW);
    expect(readFileSync(fd, 'utf8')).toBe('data');
    closeSync(fd);
    const loop = caught(() => openat(dirFd, 'link', k.O_RDONLY | k.O_NOFOLLOW));
    expect(loop).toBeInstanceOf(SystemCallError);
    expect(loop).toMatchObject({ code: 'ELOOP', errno: -40, syscall: 'openat', path: 'link' });
    expect(loop.message).toMatch(/^ELOOP: .*, openat 'link'$/);
    expect(caught(() => openat(dirFd, 'nothing', k.O_RDONLY))).toMatchObject({ code: 'ENOENT', syscall: 'openat' });
    expect(caught(() => openat(dirFd, 'f', k.O_RDONLY | k.O_DIRECTORY))).toMatchObject({ code: 'ENOTDIR' });
  });

  it('openat2 refuses symlinks and ways out when asked', () => {
    mkdirat(dirFd, 'sub', 0o755);
    symlinkSync('/etc', join(dir, 'out'));
    symlinkSync('sub', join(dir, 'in'));
    const resolve = k.RESOLVE_BENEATH | k.RESOLVE_NO_SYMLINKS;
    let fd: number;
    try {
      fd = openat2(dirFd, 'sub', k.O_RDONLY | k.O_DIRECTORY, 0, resolve);
    } catch (err) {
      // A kernel before 5.6: the callers walk component by component instead.
      expect((err as SystemCallError).code).toBe('ENOSYS');
      return;
    }
    closeSync(fd);
    expect(caught(() => openat2(dirFd, 'in', k.O_RDONLY | k.O_DIRECTORY, 0, resolve)).code).toBe('ELOOP');
    expect(caught(() => openat2(dirFd, 'out', k.O_RDONLY | k.O_DIRECTORY, 0, resolve)).code).toBe('ELOOP');
    expect(caught(() => openat2(dirFd, '../', k.O_RDONLY | k.O_DIRECTORY, 0, k.RESOLVE_BENEATH)).code).toBe('EXDEV');
  });

  it('stats with nanosecond times, and sets them back to the nanosecond with futimens and utimensat', () => {
    writeFileSync(join(dir, 'f'), 'x');
    const fd = openat(dirFd, 'f', k.O_RDWR);
    const atimeNs = 1_234_567_890_123_456_789n;
    const mtimeNs = 1_600_000_000_987_654_321n;
    futimens(fd, atimeNs, mtimeNs);
    closeSync(fd);
    const st = fstatat(dirFd, 'f', k.AT_SYMLINK_NOFOLLOW);
    expect(st.atimeNs).toBe(atimeNs);
    expect(st.mtimeNs).toBe(mtimeNs);
    expect(statSync(join(dir, 'f'), { bigint: true }).mtimeNs).toBe(mtimeNs);
    utimensat(dirFd, 'f', 5n, -1_500_000_001n, 0);
    expect(fstatat(dirFd, 'f', 0)).toMatchObject({ atimeNs: 5n, mtimeNs: -1_500_000_001n, size: 1 });
    const self = fstatat(dirFd, '', k.AT_EMPTY_PATH);
    expect(self.ino).toBe(statSync(dir, { bigint: true }).ino);
  });

  it('renames without replacing, exchanges two names, links without replacing', () => {
    writeFileSync(join(dir, 'a'), 'A');
    writeFileSync(join(dir, 'b'), 'B');
    expect(caught(() => renameat2(dirFd, 'a', dirFd, 'b', k.RENAME_NOREPLACE))).toMatchObject({ code: 'EEXIST', syscall: 'renameat2', path: 'a', dest: 'b' });
    renameat2(dirFd, 'a', dirFd, 'b', k.RENAME_EXCHANGE);
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('B');
    expect(readFileSync(join(dir, 'b'), 'utf8')).toBe('A');
    expect(caught(() => linkat(dirFd, 'a', dirFd, 'b'))).toMatchObject({ code: 'EEXIST', syscall: 'linkat' });
    linkat(dirFd, 'a', dirFd, 'c');
    expect(fstatat(dirFd, 'c', 0).nlink).toBe(2);
    renameat2(dirFd, 'c', dirFd, 'd', k.RENAME_NOREPLACE);
    expect(existsSync(join(dir, 'c'))).toBe(false);
  });

  it('unlinks files and empty folders, never what a link points to', () => {
    writeFileSync(join(dir, 'target'), 'keep');
    symlinkSync(join(dir, 'target'), join(dir, 'link'));
    unlinkat(dirFd, 'link');
    expect(readFileSync(join(dir, 'target'), 'utf8')).toBe('keep');
    mkdirat(dirFd, 'sub', 0o700);
    expect(caught(() => mkdirat(dirFd, 'sub', 0o700)).code).toBe('EEXIST');
    expect(caught(() => unlinkat(dirFd, 'sub')).code).toBe('EISDIR');
    unlinkat(dirFd, 'sub', k.AT_REMOVEDIR);
    expect(readdirSync(dir)).toEqual(['target']);
    expect(caught(() => unlinkat(dirFd, 'sub', k.AT_REMOVEDIR)).code).toBe('ENOENT');
  });

  it('changes the owner of a link itself with AT_SYMLINK_NOFOLLOW, and reads a link as bytes', () => {
    writeFileSync(join(dir, 'target'), 'x');
    symlinkSync('target', join(dir, 'link'));
    fchownat(dirFd, 'link', 65534, 65534, k.AT_SYMLINK_NOFOLLOW);
    expect(lstatSync(join(dir, 'link')).uid).toBe(65534);
    expect(statSync(join(dir, 'target')).uid).toBe(0);
    expect(readlinkat(dirFd, 'link')).toEqual(Buffer.from('target'));
    expect(caught(() => readlinkat(dirFd, 'target')).code).toBe('EINVAL');
  });

  it('takes names that are not UTF-8 as Buffers, and refuses a NUL byte', () => {
    const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9]); // "café" in Latin-1
    const fd = openat(dirFd, latin1, k.O_WRONLY | k.O_CREAT | k.O_EXCL, 0o600);
    closeSync(fd);
    expect(readdirSync(dir, { encoding: 'buffer' })).toEqual([latin1]);
    unlinkat(dirFd, latin1);
    expect(() => openat(dirFd, Buffer.from('a\0b'), k.O_RDONLY)).toThrow(/must not contain a NUL byte/);
    expect(() => openat(dirFd, 42 as unknown as string, k.O_RDONLY)).toThrow(/path must be a string or a Buffer/);
  });

  it('tells who is at the other end of a Unix socket (SO_PEERCRED)', async () => {
    const path = join(dir, 'control.sock');
    let server!: Server;
    const accepted = new Promise<Socket>((resolve) => (server = createServer(resolve)));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const client = connect(path);
    const peer = await accepted;
    try {
      const fd = (peer as unknown as { _handle: { fd: number } })._handle.fd;
      expect(getPeerCred(fd)).toEqual({ pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
      expect(caught(() => getPeerCred(dirFd))).toMatchObject({ code: 'ENOTSOCK', syscall: 'getsockopt' });
    } finally {
      client.destroy();
      peer.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  it('starts a fanotify group and marks a folder, or says why not', () => {
    let fd: number;
    try {
      fd = fanotifyInit(k.FAN_CLASS_CONTENT | k.FAN_NONBLOCK, k.O_RDONLY);
    } catch (err) {
      // No CAP_SYS_ADMIN in this container, or a kernel without fanotify: a typed errno error.
      expect(['EPERM', 'ENOSYS', 'EINVAL']).toContain((err as SystemCallError).code);
      expect((err as SystemCallError).syscall).toBe('fanotify_init');
      return;
    }
    try {
      fanotifyMark(fd, k.FAN_MARK_ADD, k.FAN_OPEN_PERM | k.FAN_EVENT_ON_CHILD, k.AT_FDCWD, dir);
      expect(caught(() => fanotifyMark(fd, k.FAN_MARK_ADD, k.FAN_OPEN_PERM, k.AT_FDCWD, join(dir, 'missing')))).toMatchObject({ code: 'ENOENT', syscall: 'fanotify_mark' });
    } finally {
      closeSync(fd);
    }
  });

  it('never opens a FIFO it was asked to look at, and opens one without blocking with O_NONBLOCK', () => {
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    expect(fstatat(dirFd, 'fifo', k.AT_SYMLINK_NOFOLLOW).mode & 0o170000).toBe(0o010000);
    const fd = openat(dirFd, 'fifo', k.O_RDONLY | k.O_NONBLOCK);
    closeSync(fd);
  });
});
