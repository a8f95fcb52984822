import { chmod, chown, lstat, mkdir, readdir, readFile, readlink, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** The detected file, in the system namespace. */
export const DETECTED = '/opt/evil/x.bin';

export const IS_ROOT = process.getuid?.() === 0;
/** Fixed old times, whole seconds, so that a changed or restored mtime is visible exactly. */
export const OLD_TIME = new Date('2021-03-04T05:06:07Z');

export const BOB_UID = 1001;
export const BOB_GID = 1001;

/** The crontab: the detection is on line 3 (index 2); line 4 names a longer path. */
export const CRONTAB_LINES = [
  'SHELL=/bin/sh',
  'PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin',
  '*/10 * * * * root /opt/evil/x.bin --beacon >/dev/null 2>&1',
  '17 * * * * root /opt/evil/x.bin2 --not-ours',
  '# 0 0 * * * root /opt/evil/x.bin (a comment is not an entry)',
  '25 6 * * * root test -x /usr/sbin/anacron || run-parts --report /etc/cron.daily',
];

export const COMPANIONS = ['/tmp/epq-demo-dropper.payload', '/var/tmp/evil-*.dat', '/opt/evil/*'];

export interface FakeFile {
  content: string | Buffer;
  mode?: number;
  owner?: { uid: number; gid: number };
}

/** Every file of the fake system, by system path. */
export function fakeSystemFiles(): Record<string, FakeFile> {
  const bob = { uid: BOB_UID, gid: BOB_GID };
  return {
    '/etc/passwd': {
      content: 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\nbob:x:1001:1001:Bob:/home/bob:/bin/bash\n',
    },
    '/etc/crontab': { content: CRONTAB_LINES.join('\n') + '\n' },
    '/etc/cron.d/evil': { content: '# dropped\nMAILTO=""\n@reboot root "/opt/evil/x.bin" --daemon\n' },
    '/etc/cron.d/clean': { content: '0 4 * * * root /usr/bin/updatedb\n' },
    '/var/spool/cron/crontabs/bob': { content: '# edit with crontab -e\n@hourly /opt/evil/x.bin\n', mode: 0o600, owner: bob },
    '/etc/profile.d/evil.sh': { content: "#!/bin/sh\n'/opt/evil/x.bin' &\n" },
    '/etc/profile.d/clean.sh': { content: 'export EDITOR=vi\n' },
    '/etc/ld.so.preload': { content: '/usr/lib/libgood.so\n/opt/evil/x.bin\n' },
    '/root/.bashrc': { content: 'alias ll="ls -l"\n' },
    '/home/alice/.bashrc': { content: 'alias ls="ls --color"\n/opt/evil/x.bin &\nexport PS1="$ "\n' },
    // alice's ~ is not bob's: this names /home/alice/.cache/x.bin.
    '/home/alice/.profile': { content: '. ~/.bashrc\n~/.cache/x.bin\n' },
    // CRLF, and the detection is the unterminated last line.
    '/home/bob/.bashrc': { content: 'umask 022\r\nexport LANG=C\r\nexport X=1\r\n/opt/evil/x.bin --quiet &', mode: 0o640, owner: bob },
    '/home/bob/.profile': { content: '. ~/.bashrc\n(~/.cache/x.bin &)\n', owner: bob },
    '/home/bob/.cache/x.bin': { content: 'a different file with the same name', owner: bob },
    '/etc/xdg/autostart/evil.desktop': { content: '[Desktop Entry]\nType=Application\nName=Updater\nExec=/opt/evil/x.bin --tray\n' },
    '/etc/xdg/autostart/clean.desktop': { content: '[Desktop Entry]\nType=Application\nExec=/usr/bin/nm-applet\n' },
    '/etc/systemd/system/evil.service': { content: '[Unit]\nDescription=updater\n\n[Service]\nExecStart=-/opt/evil/x.bin --svc\n' },
    '/etc/systemd/system/evil.timer': { content: '[Timer]\nOnBootSec=5min\n\n[Install]\nWantedBy=timers.target\n' },
    '/etc/systemd/system/clean.service': { content: '[Service]\nExecStart=/opt/evil/x.bin2\n' },
    '/home/alice/.config/autostart/evil.desktop': { content: '[Desktop Entry]\nExec="/opt/evil/x.bin"\n', mode: 0o600 },
    '/home/alice/.config/systemd/user/clean.service': { content: '[Service]\nExecStart=%h/bin/tool\n' },
    '/tmp/epq-demo-dropper.payload': { content: Buffer.from([0, 1, 2, 3, 255, 254]), mode: 0o755 },
    '/var/tmp/evil-1.dat': { content: 'payload one', mode: 0o4755 },
    '/var/tmp/evil-2.dat': { content: 'payload two', owner: bob },
    '/var/tmp/.evil-hidden.dat': { content: 'not matched by a glob without a leading dot' },
    '/var/tmp/innocent.dat': { content: 'unrelated' },
    '/opt/evil/x.bin': { content: 'the detected file' },
    '/opt/evil/x.conf': { content: 'beacon=example.invalid\n', mode: 0o600 },
  };
}

/** Writes files under `root` (system paths), with mode, owner (as root) and the fixed old times. */
export async function writeFakeFiles(root: string, files: Record<string, FakeFile>): Promise<void> {
  for (const [path, file] of Object.entries(files)) {
    const host = join(root, path);
    await mkdir(dirname(host), { recursive: true });
    await writeFile(host, file.content);
    if (IS_ROOT && file.owner) await chown(host, file.owner.uid, file.owner.gid);
    await chmod(host, file.mode ?? 0o644);
    await utimes(host, OLD_TIME, OLD_TIME);
  }
}

/** What a snapshot records of one entry. */
export interface EntrySnapshot {
  type: 'file' | 'dir' | 'link' | 'other';
  mode: number;
  uid: number;
  gid: number;
  mtimeMs?: number;
  content?: string;
  target?: string;
}

/** Every entry under `root` keyed by system path: content (hex), mode, owner, file mtime. */
export async function snapshotTree(root: string): Promise<Map<string, EntrySnapshot>> {
  const out = new Map<string, EntrySnapshot>();
  async function walk(dir: string, system: string): Promise<void> {
    for (const name of (await readdir(dir)).sort()) {
      const host = join(dir, name);
      const path = `${system}/${name}`;
      const st = await lstat(host);
      const base = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
      if (st.isSymbolicLink()) out.set(path, { type: 'link', ...base, target: await readlink(host) });
      else if (st.isDirectory()) {
        out.set(path, { type: 'dir', ...base });
        await walk(host, path);
      } else if (st.isFile()) out.set(path, { type: 'file', ...base, mtimeMs: st.mtimeMs, content: (await readFile(host)).toString('hex') });
      else out.set(path, { type: 'other', ...base });
    }
  }
  await walk(root, '');
  return out;
}

/**
 * Node sets times from a double of seconds, which at today's epoch resolves about a quarter of a
 * microsecond; a time put back by a restore can't be more exact than that.
 */
export const MTIME_TOLERANCE_MS = 0.01;

/**
 * Asserts two snapshots are equal, mtimes within `MTIME_TOLERANCE_MS` (exactly for the fixture's
 * whole-second times, which round-trip without loss).
 */
export function expectSameTree(actual: Map<string, EntrySnapshot>, expected: Map<string, EntrySnapshot>): void {
  const strip = (m: Map<string, EntrySnapshot>): Map<string, EntrySnapshot> => withoutMtime(m, m.keys());
  expect(strip(actual)).toEqual(strip(expected));
  const off = [...expected].filter(([path, e]) => {
    const a = actual.get(path)!.mtimeMs;
    if (e.mtimeMs === undefined || a === undefined) return e.mtimeMs !== a;
    return Math.abs(a - e.mtimeMs) > MTIME_TOLERANCE_MS;
  });
  expect(off.map(([path, e]) => ({ path, expected: e.mtimeMs, actual: actual.get(path)!.mtimeMs }))).toEqual([]);
}

/** A snapshot with the mtime of the given files left out (files whose lines were edited). */
export function withoutMtime(snapshot: Map<string, EntrySnapshot>, paths: Iterable<string>): Map<string, EntrySnapshot> {
  const copy = new Map(snapshot);
  for (const p of paths) {
    const e = copy.get(p);
    if (e) copy.set(p, { ...e, mtimeMs: undefined });
  }
  return copy;
}

/** Reads a system path under root as text. */
export function readText(root: string, path: string): Promise<string> {
  return readFile(join(root, path), 'utf8');
}
