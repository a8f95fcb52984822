import { createCipheriv, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eicarBytes } from '../helpers/eicar.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** Defect 4 of issue 12: a lost key or database must never lose the quarantine silently. */
describe('quarantine key and database loss (spawned CLI)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let ctx: string[];
  let home: string;
  let state: string;
  let blobs: string;

  const quarantine = async (name: string): Promise<string> => {
    await writeFile(join(home, name), eicarBytes());
    const r = await runCli(['scan', '--action', 'quarantine', ...ctx, join(home, name)]);
    expect(r.code).toBe(1);
    const id = /quarantined as ([0-9a-f]{16})/.exec(r.stdout)?.[1];
    expect(id).toBeDefined();
    return id!;
  };
  const listJson = async (): Promise<{ id: string; originalPath: string; mode: number; virusName: string; errors: { word: string }[] }[]> =>
    JSON.parse((await runCli(['quarantine', 'list', '--json', ...ctx])).stdout);

  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir('epq-loss-'));
    home = join(dir, 'root', 'home', 'u');
    await mkdir(home, { recursive: true });
    state = join(dir, 'state');
    blobs = join(state, 'quarantine', 'blobs');
    ctx = ['--state-dir', state, '--root', join(dir, 'root')];
  });
  afterEach(() => cleanup());

  it('refuses to create a new key while packages are held, naming the key and the count', async () => {
    await quarantine('a.com');
    await quarantine('b.com');
    const keyPath = join(state, 'quarantine', 'key');
    const key = await readFile(keyPath);
    await rm(keyPath);
    for (const args of [['quarantine', 'list'], ['scan', '--action', 'quarantine', home]]) {
      const r = await runCli([...args, ...ctx]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(keyPath);
      expect(r.stderr).toMatch(/missing while 2 quarantine packages are held/);
    }
    expect(existsSync(keyPath)).toBe(false);
    // The key put back, everything is as it was.
    await writeFile(keyPath, key, { mode: 0o600 });
    expect((await listJson()).map((i) => i.originalPath).sort()).toEqual(['/home/u/a.com', '/home/u/b.com']);
  });

  it('reports orphans when the database is deleted, and `quarantine rebuild` gives them their records back', async () => {
    const id = await quarantine('bad.com');
    const before = (await listJson())[0]!;
    for (const f of readdirSync(state).filter((n) => n.startsWith('agent.db'))) await rm(join(state, f));
    const list = await runCli(['quarantine', 'list', ...ctx]);
    expect(list.code).toBe(2);
    expect(list.stdout).not.toContain('The quarantine is empty');
    expect(list.stderr).toContain(`1 quarantine package(s) in ${blobs} have no record`);
    expect(list.stderr).toContain('epq quarantine rebuild');
    const help = await runCli(['quarantine', 'rebuild', '--help']);
    expect(help.stdout).toContain('Rebuild the quarantine records from the packages');
    const rebuilt = await runCli(['quarantine', 'rebuild', ...ctx]);
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stdout).toContain(`${id}: record rebuilt (/home/u/bad.com, Eicar-Test-Signature)`);
    const after = (await listJson())[0]!;
    expect(after).toMatchObject({ id, originalPath: '/home/u/bad.com', mode: before.mode, virusName: before.virusName });
    expect(after.errors.map((e) => e.word)).toEqual(['lost']);
    expect((await runCli(['quarantine', 'list', ...ctx])).code).toBe(0);
    const restored = await runCli(['quarantine', 'restore', '--yes', id, ...ctx]);
    expect(restored.code).toBe(0);
    expect(await readFile(join(home, 'bad.com'))).toEqual(eicarBytes());
  });

  it('sets a damaged database aside and rebuilds; without rebuild it says how', async () => {
    const id = await quarantine('bad.com');
    for (const f of readdirSync(state).filter((n) => n.startsWith('agent.db'))) await rm(join(state, f));
    await writeFile(join(state, 'agent.db'), Buffer.alloc(8192, 0x41));
    const list = await runCli(['quarantine', 'list', ...ctx]);
    expect(list.code).toBe(2);
    expect(list.stderr).toContain(join(state, 'agent.db'));
    expect(list.stderr).toContain('epq quarantine rebuild');
    const rebuilt = await runCli(['quarantine', 'rebuild', ...ctx]);
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stdout).toMatch(/The damaged database was set aside as .*agent\.db\.damaged-/);
    expect(readdirSync(state).some((n) => n.startsWith('agent.db.damaged-'))).toBe(true);
    expect((await listJson()).map((i) => i.id)).toEqual([id]);
  });

  it('reads a package of the old format (version 1), and leaves an old-format orphan in place, named', async () => {
    const id = await quarantine('old.com');
    const key = await readFile(join(state, 'quarantine', 'key'));
    // The package as epq wrote it before packages carried metadata: magic | 1 | IV | ciphertext | tag.
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(id));
    const body = Buffer.concat([cipher.update(eicarBytes()), cipher.final()]);
    await writeFile(join(blobs, `${id}.epqq`), Buffer.concat([Buffer.from('EPQQ'), Buffer.from([1]), iv, body, cipher.getAuthTag()]));
    const exported = await runCli(['quarantine', 'export', id, '--to', dir, ...ctx]);
    expect(exported.code).toBe(0);
    expect(await readFile(join(dir, `old.com.${id}.quarantined`))).toEqual(eicarBytes());

    for (const f of readdirSync(state).filter((n) => n.startsWith('agent.db'))) await rm(join(state, f));
    const list = await runCli(['quarantine', 'list', ...ctx]);
    expect(list.code).toBe(2);
    expect(list.stderr).toContain(`can't be rebuilt; they are left in place: ${id}.epqq`);
    const rebuilt = await runCli(['quarantine', 'rebuild', ...ctx]);
    expect(rebuilt.code).toBe(2);
    expect(rebuilt.stdout).toContain(`${id}.epqq: written by an older epq without its metadata; left in place`);
    expect(existsSync(join(blobs, `${id}.epqq`))).toBe(true);
  });

  it('does not rebuild a tampered package, and leaves it in place', async () => {
    const id = await quarantine('bad.com');
    const path = join(blobs, `${id}.epqq`);
    const bytes = await readFile(path);
    bytes[bytes.length - 20]! ^= 1;
    await writeFile(path, bytes);
    for (const f of readdirSync(state).filter((n) => n.startsWith('agent.db'))) await rm(join(state, f));
    const rebuilt = await runCli(['quarantine', 'rebuild', ...ctx]);
    expect(rebuilt.code).toBe(2);
    expect(rebuilt.stdout).toContain(`${id}.epqq: can't be read (`);
    expect(rebuilt.stdout).toContain('integrity check');
    expect(existsSync(path)).toBe(true);
  });
});
