import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eicarBytes } from '../helpers/eicar.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

interface Item {
  id: string;
  fileName: string;
  originalPath: string;
  phase: string;
  virusName: string;
  userName: string;
  computer: string;
}

/** The quarantine and exceptions commands as a user runs them, on a fake root. */
describe('epq quarantine / exceptions (spawned CLI)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let ctx: string[];
  let home: string;

  const list = async (): Promise<Item[]> => JSON.parse((await runCli(['quarantine', 'list', '--json', ...ctx])).stdout) as Item[];
  const quarantine = async (name: string, bytes: Buffer = eicarBytes()): Promise<Item> => {
    await writeFile(join(home, name), bytes);
    const r = await runCli(['scan', '--action', 'quarantine', ...ctx, join(home, name)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${join(home, name)}: quarantined as`);
    return (await list()).find((i) => i.fileName === name)!;
  };

  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir('epq-qcli-'));
    home = join(dir, 'root', 'home', 'u');
    await mkdir(home, { recursive: true });
    ctx = ['--state-dir', join(dir, 'state'), '--root', join(dir, 'root')];
  });
  afterEach(() => cleanup());

  it('lists with the guide columns, shows details, exports and deletes', async () => {
    const item = await quarantine('bad.com');
    expect(item).toMatchObject({ originalPath: '/home/u/bad.com', virusName: 'Eicar-Test-Signature', phase: 'complete' });
    const table = await runCli(['quarantine', 'list', ...ctx]);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID +File name +User +Computer +Date quarantined +Status +State +Virus +Defs +Errors$/);
    expect(table.stdout).toContain('bad.com');
    const show = await runCli(['quarantine', 'show', item.id, ...ctx]);
    expect(show.stdout).toMatch(/Original path +\/home\/u\/bad\.com/);
    const exported = await runCli(['quarantine', 'export', item.id, '--to', dir, ...ctx]);
    expect(exported.code).toBe(0);
    expect(await readFile(join(dir, `bad.com.${item.id}.quarantined`))).toEqual(eicarBytes());
    const refused = await runCli(['quarantine', 'delete', item.id, ...ctx], { input: 'n\n' });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Are you sure you want to delete the selected files?');
    expect(await list()).toHaveLength(1);
    expect((await runCli(['quarantine', 'delete', '--yes', item.id, ...ctx])).code).toBe(0);
    expect(await list()).toEqual([]);
    const missing = await runCli(['quarantine', 'show', 'no-such-id', ...ctx]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no quarantined item no-such-id');
  });

  it('restores after "Are you sure...?" and refuses an occupied place, or renames', async () => {
    const item = await quarantine('bad.com');
    const no = await runCli(['quarantine', 'restore', item.id, ...ctx], { input: 'no\n' });
    expect(no.code).toBe(2);
    expect(existsSync(join(home, 'bad.com'))).toBe(false);
    await writeFile(join(home, 'bad.com'), 'someone else');
    const occupied = await runCli(['quarantine', 'restore', '--yes', item.id, ...ctx]);
    expect(occupied.code).toBe(2);
    expect(occupied.stderr).toContain('already exists; restore with --rename');
    const renamed = await runCli(['quarantine', 'restore', '--yes', '--rename', item.id, ...ctx]);
    expect(renamed.code).toBe(0);
    expect(await readFile(join(home, 'bad.restored.com'))).toEqual(eicarBytes());
    expect(await readFile(join(home, 'bad.com'), 'utf8')).toBe('someone else');
  });

  it('adding an exception restores what it covers, and scans honour it', async () => {
    const a = await quarantine('a.com');
    const sha = createHash('sha256').update(eicarBytes()).digest('hex');
    const added = await runCli(['exceptions', 'add', '--sha256', sha, ...ctx]);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain(`${a.id}: restored /home/u/a.com`);
    expect(await readFile(join(home, 'a.com'))).toEqual(eicarBytes());
    const scan = await runCli(['scan', ...ctx, join(home, 'a.com')]);
    expect(scan.code).toBe(0);
    const listed = JSON.parse((await runCli(['exceptions', 'list', '--json', ...ctx])).stdout) as { id: number; kind: string }[];
    expect(listed.map((e) => e.kind)).toEqual(['sha256']);
    expect((await runCli(['exceptions', 'remove', String(listed[0]!.id), ...ctx])).code).toBe(0);
    expect((await runCli(['scan', ...ctx, join(home, 'a.com')])).code).toBe(1);
    const bad = await runCli(['exceptions', 'add', '--sha256', 'abc', ...ctx]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected 64 hexadecimal digits');
  });

  it('a signature exception restores only items whose every detection it covers', async () => {
    const item = await quarantine('sig.com');
    const partial = await runCli(['exceptions', 'add', '--signature', 'Eicar-Test-Signature', ...ctx]);
    expect(partial.stdout).not.toContain('restored');
    expect((await list()).map((i) => i.id)).toEqual([item.id]);
    const rest = await runCli(['exceptions', 'add', '--signature', 'Eicar-Test-Signature.HDB', ...ctx]);
    expect(rest.stdout).toContain(`${item.id}: restored`);
    expect(existsSync(join(home, 'sig.com'))).toBe(true);
  });
});
