import { lstatSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { eicarBytes } from '../helpers/eicar.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** Defect 8 of issue 12: names that are not valid UTF-8 are scanned, quarantined and restored as bytes. */
describe('file names that are not valid UTF-8 (spawned CLI)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let home: string;
  let ctx: string[];
  const latin1 = Buffer.from('caf\xe9.com', 'latin1');
  const ffFe = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('.com')]);
  const inHome = (name: Buffer): Buffer => Buffer.concat([Buffer.from(`${home}/`), name]);

  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir('epq-bytes-'));
    home = join(dir, 'root', 'home', 'u');
    await mkdir(home, { recursive: true });
    ctx = ['--state-dir', join(dir, 'state'), '--root', join(dir, 'root')];
    for (const name of [latin1, ffFe]) writeFileSync(inHome(name), eicarBytes(), { mode: 0o640 });
    utimesSync(inHome(latin1), 1_600_000_000, 1_500_000_000);
    writeFileSync(join(home, 'clean.txt'), 'hello');
  });
  afterEach(() => cleanup());

  it.each([['one thread', '1'], ['worker threads', '2']])('epq scan detects both, printed with \\xNN escapes (%s)', async (_what, jobs) => {
    const r = await runCli(['scan', '--jobs', jobs, home]);
    expect(r.code).toBe(1);
    // One line per infected file: EICAR's hash match, the most specific, names it.
    expect(r.stdout).toContain(`${home}/caf\\xe9.com: Eicar-Test-Signature.HDB FOUND`);
    expect(r.stdout).toContain(`${home}/\\xff\\xfe.com: Eicar-Test-Signature.HDB FOUND`);
    expect(r.stdout).toMatch(/Infected files: +2/);
    expect(r.stderr).not.toContain('no such file');
  });

  it('quarantines and restores them byte-exactly (name, content, mode, times)', async () => {
    const before = lstatSync(inHome(latin1));
    const q = await runCli(['scan', '--action', 'quarantine', ...ctx, home]);
    expect(q.code).toBe(1);
    expect(q.stdout).toMatch(/Quarantined: +2/);
    expect(readdirSync(home)).toEqual(['clean.txt']);
    const list = await runCli(['quarantine', 'list', ...ctx]);
    expect(list.stdout).toContain('caf\\xe9.com');
    expect(list.stdout).toContain('\\xff\\xfe.com');
    const items = JSON.parse((await runCli(['quarantine', 'list', '--json', ...ctx])).stdout) as { id: string; originalPath: string }[];
    expect(items.map((i) => i.originalPath).sort()).toEqual(['/home/u/\\xff\\xfe.com', '/home/u/caf\\xe9.com']);
    const restored = await runCli(['quarantine', 'restore', '--yes', ...items.map((i) => i.id), ...ctx]);
    expect(restored.code).toBe(0);
    const names = readdirSync(home, { encoding: 'buffer' }).sort(Buffer.compare);
    expect(names).toEqual([Buffer.from('clean.txt'), latin1, ffFe].sort(Buffer.compare));
    for (const name of [latin1, ffFe]) expect(readFileSync(inHome(name))).toEqual(eicarBytes());
    const after = lstatSync(inHome(latin1));
    expect(after.mode).toBe(before.mode);
    expect(after.mtimeMs).toBe(before.mtimeMs);
  });

  it('restores a byte name into --to DIR, and beside an occupied target with --rename', async () => {
    await runCli(['scan', '--action', 'quarantine', ...ctx, home]);
    const items = JSON.parse((await runCli(['quarantine', 'list', '--json', ...ctx])).stdout) as { id: string; fileName: string }[];
    const cafe = items.find((i) => i.fileName === 'caf\\xe9.com')!;
    const ff = items.find((i) => i.fileName === '\\xff\\xfe.com')!;
    const elsewhere = join(dir, 'elsewhere');
    await mkdir(elsewhere);
    expect((await runCli(['quarantine', 'restore', '--yes', '--to', elsewhere, cafe.id, ...ctx])).code).toBe(0);
    expect(readFileSync(Buffer.concat([Buffer.from(`${elsewhere}/`), latin1]))).toEqual(eicarBytes());
    writeFileSync(inHome(ffFe), 'occupied');
    const r = await runCli(['quarantine', 'restore', '--yes', '--rename', ff.id, ...ctx]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\\xff\\xfe.com.restored');
    expect(readFileSync(inHome(Buffer.concat([ffFe, Buffer.from('.restored')])))).toEqual(eicarBytes());
    expect(readFileSync(inHome(ffFe), 'utf8')).toBe('occupied');
  });
});
