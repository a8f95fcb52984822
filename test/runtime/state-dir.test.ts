import { chmod, chown, mkdir, stat, writeFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import { hostname, networkInterfaces, userInfo } from 'node:os';
import { join } from 'node:path';
import { machineIdentity } from '../../agent/runtime/machine-identity.js';
import { prepareWatchPaths } from '../../agent/runtime/protected-folders.js';
import { ensureStateDir, StateDirError } from '../../agent/runtime/state-dir.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const isRoot = process.getuid?.() === 0;

describe('ensureStateDir', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await makeTempDir('epq-state-')));
  afterAll(() => cleanup());

  it('creates the folder and its parents with mode 0700', async () => {
    const path = join(dir, 'a', 'b', 'state');
    const result = await ensureStateDir(path);
    expect(result).toEqual({ path, created: true });
    const info = await stat(path);
    expect(info.isDirectory()).toBe(true);
    expect(info.mode & 0o777).toBe(0o700);
    expect(info.uid).toBe(process.getuid!());
  });

  it('accepts an existing private folder as it is', async () => {
    const path = join(dir, 'existing');
    await mkdir(path, { mode: 0o700 });
    expect(await ensureStateDir(path)).toEqual({ path, created: false });
  });

  it('refuses a world-writable folder with a message saying what to do', async () => {
    const path = join(dir, 'open');
    await mkdir(path);
    await chmod(path, 0o777);
    const err = await ensureStateDir(path).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(StateDirError);
    expect((err as StateDirError).path).toBe(path);
    expect((err as Error).message).toBe(`the state folder ${path} is writable by its group and all users (mode 0777), ` +
      `so they could tamper with the quarantine; run \`chmod 700 ${path}\` or choose another state folder`);
  });

  it('refuses a group-writable folder', async () => {
    const path = join(dir, 'group');
    await mkdir(path);
    await chmod(path, 0o770);
    await expect(ensureStateDir(path)).rejects.toThrow(`the state folder ${path} is writable by its group (mode 0770)`);
  });

  (isRoot ? it : it.skip)('refuses a folder owned by another user (needs root to chown)', async () => {
    const path = join(dir, 'foreign');
    await mkdir(path, { mode: 0o700 });
    await chown(path, 4242, 4242);
    await expect(ensureStateDir(path)).rejects.toThrow(`the state folder ${path} belongs to user id 4242, not to the user running the agent (0)`);
  });

  it('refuses a file in place of the folder', async () => {
    const path = join(dir, 'a-file');
    await writeFile(path, '');
    await expect(ensureStateDir(path)).rejects.toThrow(StateDirError);
    await expect(ensureStateDir(join(path, 'below'))).rejects.toThrow(`cannot create the state folder ${join(path, 'below')}`);
  });
});

describe('prepareWatchPaths', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await makeTempDir('epq-watch-')));
  afterAll(() => cleanup());

  it('creates the default protected folder, and only reports other missing paths', async () => {
    const env = { HOME: dir };
    const protectedFolder = join(dir, 'epq-protected');
    const typo = join(dir, 'Documnets');
    const existing = join(dir, 'there');
    await mkdir(existing);
    const report = await prepareWatchPaths([protectedFolder, typo, existing], env);
    expect(report).toEqual({ created: [protectedFolder], missing: [typo] });
    expect((await stat(protectedFolder)).isDirectory()).toBe(true);
    await expect(stat(typo)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await prepareWatchPaths([protectedFolder], env)).toEqual({ created: [], missing: [] });
  });
});

describe('machineIdentity', () => {
  it('names the user, the computer and a non-internal IPv4 address, once per process', async () => {
    const identity = await machineIdentity();
    expect(identity.user).toBe(userInfo().username);
    expect(identity.computer).toBe(hostname());
    const external = Object.values(networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal).map((a) => a!.address);
    if (external.length === 0) {
      expect(identity.address).toBeNull();
    } else {
      expect(isIPv4(identity.address!)).toBe(true);
      expect(external).toContain(identity.address);
    }
    expect(await machineIdentity()).toBe(identity);
    expect(Object.isFrozen(identity)).toBe(true);
  });
});
