import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asDatabaseError, DatabaseError } from '../../agent/store/open-database.js';
import { eicarBytes } from '../helpers/eicar.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** Defect 12 of issue 12: a full disk is said in words, read-only commands work, nothing is lost. */
describe('a full disk (tmpfs of 1 MiB mounted by the test)', () => {
  let disk = '';
  let skip: string | null = null;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(() => {
    if (process.getuid?.() !== 0) {
      skip = 'not root: mounting a tmpfs needs root';
    } else {
      disk = mkdtempSync(join(tmpdir(), 'epq-full-'));
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk], { stdio: 'pipe' });
      } catch (err) {
        skip = `mount -t tmpfs failed: ${(err as Error).message.split('\n')[0]}`;
      }
    }
    // eslint-disable-next-line no-console
    if (skip) console.log(`disk-full tests skipped: ${skip}`);
  });
  afterAll(() => {
    if (!disk) return;
    if (!skip) execFileSync('umount', [disk]);
    rmSync(disk, { recursive: true, force: true });
  });
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir('epq-full-test-')));
  afterEach(async () => {
    await cleanup();
    if (!skip) for (const name of readdirSync(disk)) rmSync(join(disk, name), { recursive: true, force: true });
  });

  /** Fills the tmpfs so that about `leave` bytes stay free. */
  const fill = (leave: number): void => {
    const s = statfsSync(disk);
    writeFileSync(join(disk, 'filler'), Buffer.alloc(Math.max(0, s.bavail * s.bsize - leave)));
  };
  const unfill = (): void => rmSync(join(disk, 'filler'), { force: true });
  const listJson = async (ctx: string[]): Promise<{ id: string; originalPath: string }[]> => {
    const r = await runCli(['quarantine', 'list', '--json', ...ctx]);
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout);
  };

  it.each([0, 8 * 1024, 24 * 1024])('state folder full (%i bytes left) during quarantine: said in words, list works, nothing lost', async (leave) => {
    if (skip) return;
    const state = join(disk, 'state');
    const home = join(dir, 'root', 'home', 'u');
    await mkdir(home, { recursive: true });
    const ctx = ['--state-dir', state, '--root', join(dir, 'root')];
    writeFileSync(join(home, 'first.com'), eicarBytes());
    expect((await runCli(['scan', '--action', 'quarantine', ...ctx, join(home, 'first.com')])).code).toBe(1);
    const names = ['a.com', 'b.com', 'c.com', 'd.com'];
    for (const n of names) writeFileSync(join(home, n), Buffer.concat([eicarBytes(), Buffer.from(n)]));
    fill(leave);

    const list = await runCli(['quarantine', 'list', ...ctx]);
    expect(list.stderr).not.toContain('disk I/O error');
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('first.com');

    const r = await runCli(['scan', '--action', 'quarantine', ...ctx, home]);
    expect(r.code).toBe(1);
    const out = r.stdout + r.stderr;
    expect(out).not.toContain('disk I/O error');
    const quarantined = Number(/Quarantined: +(\d+)/.exec(r.stdout)?.[1]);
    const failed = names.length - quarantined;
    expect(Number(/Errors: +(\d+)/.exec(r.stdout)?.[1])).toBe(failed);
    if (failed > 0) expect(out).toMatch(new RegExp(`the disk holding ${state}\\S* is full`));
    // Nothing lost: each file is in place, or held by a record whose restore gives it back.
    unfill();
    const held = (await listJson(ctx)).filter((i) => i.originalPath !== '/home/u/first.com');
    expect(held.length + names.filter((n) => existsSync(join(home, n))).length).toBe(names.length);
    if (held.length > 0) expect((await runCli(['quarantine', 'restore', '--yes', ...held.map((i) => i.id), ...ctx])).code).toBe(0);
    for (const n of names) expect(readFileSync(join(home, n))).toEqual(Buffer.concat([eicarBytes(), Buffer.from(n)]));
  }, 120_000);

  it('restore target full: said in words, the item stays in quarantine, nothing left behind', async () => {
    if (skip) return;
    const root = join(disk, 'root');
    const home = join(root, 'home', 'u');
    await mkdir(home, { recursive: true });
    const ctx = ['--state-dir', join(dir, 'state'), '--root', root];
    const content = Buffer.concat([eicarBytes(), Buffer.alloc(64 * 1024, 0x41)]);
    writeFileSync(join(home, 'big.com'), content);
    expect((await runCli(['scan', '--action', 'quarantine', ...ctx, join(home, 'big.com')])).code).toBe(1);
    const [item] = await listJson(ctx);
    fill(16 * 1024);
    const r = await runCli(['quarantine', 'restore', '--yes', item!.id, ...ctx]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`can't restore ${join(home, 'big.com')}: the disk holding ${home} is full`);
    expect(r.stderr).toContain('the item stays in quarantine');
    expect(readdirSync(home)).toEqual([]);
    expect((await listJson(ctx)).map((i) => i.id)).toEqual([item!.id]);
    unfill();
    expect((await runCli(['quarantine', 'restore', '--yes', item!.id, ...ctx])).code).toBe(0);
    expect(readFileSync(join(home, 'big.com'))).toEqual(content);
  }, 120_000);
});

describe('SQLite errors as DatabaseError', () => {
  it('names the database and says the disk is full for SQLITE_FULL', () => {
    const sqlite = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    const err = asDatabaseError(sqlite, '/var/lib/epq/agent.db', 'record the quarantined file');
    expect(err).toBeInstanceOf(DatabaseError);
    expect((err as DatabaseError).message).toMatch(/^\/var\/lib\/epq\/agent\.db: the disk holding \/var\/lib\/epq is full; could not record the quarantined file \(SQLITE_FULL\)$/);
    expect((err as DatabaseError).code).toBe('SQLITE_FULL');
    expect((err as DatabaseError).full).toBe(true);
    const other = new Error('not sqlite');
    expect(asDatabaseError(other, '/x.db', 'y')).toBe(other);
  });
});
