import { execFileSync } from 'node:child_process';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eicarBytes } from '../helpers/eicar.js';
import { runCli } from '../helpers/run-cli.js';
import { runCliAsNobody } from '../helpers/unprivileged-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

interface JsonReport {
  detections: { path: string; signature: string; kind: string; offset?: number }[];
  errors: { path: string; message: string }[];
  summary: { files: number; bytes: number; detections: number; errors: number; skipped: number };
}

const marker = (): string => ['TEST', 'ONLY', 'MARKER', '42'].join('-');

describe('epq scan (spawned CLI)', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let tree: string;
  let sigs: string;

  beforeAll(async () => {
    ({ dir: root, cleanup } = await makeTempDir());
    tree = join(root, 'tree');
    sigs = join(root, 'sigs');
    await mkdir(join(tree, 'nested', 'deeper'), { recursive: true });
    await mkdir(join(tree, 'clean'));
    await mkdir(sigs);
    await writeFile(join(tree, 'nested', 'deeper', 'eicar.com'), eicarBytes());
    await writeFile(join(tree, 'clean', 'readme.txt'), 'nothing to see here\n');
    await writeFile(join(tree, 'clean', 'big.bin'), Buffer.alloc(300_000, 7));
    await writeFile(join(tree, 'custom.dat'), `prefix ${marker()} suffix`);
    await symlink(join(tree, 'nested', 'deeper', 'eicar.com'), join(tree, 'clean', 'link-to-eicar'));
    execFileSync('mkfifo', [join(tree, 'clean', 'a-fifo')]);
    await writeFile(join(sigs, 'custom.ndb'), `Test.Custom.Marker:0:*:${Buffer.from(marker()).toString('hex')}\n`);
  });

  afterAll(() => cleanup());

  it('reports the EICAR file, exits 1, and skips symlinks and FIFOs', async () => {
    const r = await runCli(['scan', tree]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${join(tree, 'nested', 'deeper', 'eicar.com')}: Eicar-Test-Signature.HDB FOUND\n`);
    expect(r.stdout).toMatch(/Scanned files: +4/);
    expect(r.stdout).toMatch(/Infected files: +1/);
    expect(r.stdout).toMatch(/Skipped: +2/);
    expect(r.stdout).not.toContain('link-to-eicar');
  });

  it('exits 0 on a clean folder and prints the summary', async () => {
    const r = await runCli(['scan', join(tree, 'clean')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Infected files: +0/);
    expect(r.stderr).toBe('');
  });

  it('follows symlinks inside folders when asked', async () => {
    const r = await runCli(['scan', '--json', '--follow-symlinks', join(tree, 'clean')]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report.detections.map((d) => d.path)).toContain(join(tree, 'clean', 'link-to-eicar'));
  });

  it('gives machine-readable JSON with every detection, hash and body', async () => {
    const r = await runCli(['scan', '--json', '--jobs', '2', tree]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report.detections).toEqual([
      { path: join(tree, 'nested', 'deeper', 'eicar.com'), signature: 'Eicar-Test-Signature', kind: 'body', offset: 0 },
      { path: join(tree, 'nested', 'deeper', 'eicar.com'), signature: 'Eicar-Test-Signature.HDB', kind: 'hash' },
    ]);
    expect(report.summary).toMatchObject({ files: 4, detections: 2, errors: 0, skipped: 2 });
  });

  it('honours --exclude and --max-filesize', async () => {
    const r = await runCli(['scan', '--json', '--exclude', '*.com', '--max-filesize', '100K', tree]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report.summary).toMatchObject({ files: 2, detections: 0, skipped: 4 });
  });

  it('scans with a ClamAV signature folder', async () => {
    const r = await runCli(['scan', '--json', '--clamav-db', sigs, tree]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report.detections).toEqual([{ path: join(tree, 'custom.dat'), signature: 'Test.Custom.Marker', kind: 'body', offset: 7 }]);
  });

  it('refuses a malformed signature file naming file and line, exit 2', async () => {
    const bad = join(root, 'bad-sigs');
    await mkdir(bad);
    await writeFile(join(bad, 'x.ndb'), 'Fine:0:*:aabbccdd\nBroken:0:*:aabb[1-2]cc\n');
    const r = await runCli(['scan', '--clamav-db', bad, tree]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('x.ndb:2: unsupported token "[1" at column 5');
    expect(r.stdout).toBe('');
  });

  it('reports an unreadable or missing path as an error line and goes on', async () => {
    const secret = join(root, 'perm');
    await mkdir(secret);
    await chmod(root, 0o755);
    await chmod(secret, 0o755);
    await writeFile(join(secret, 'locked.bin'), 'x');
    await chmod(join(secret, 'locked.bin'), 0o000);
    await writeFile(join(secret, 'open.txt'), 'fine');
    // Root reads anything; run as "nobody" so permission checks apply.
    const r = await runCliAsNobody(['scan', secret, join(root, 'does-not-exist')]);
    expect(r.stderr).toContain(`${join(secret, 'locked.bin')}: ERROR permission denied`);
    expect(r.stderr).toContain(`${join(root, 'does-not-exist')}: ERROR no such file or directory`);
    expect(r.stdout).toMatch(/Scanned files: +1/);
    expect(r.stdout).toMatch(/Errors: +2/);
    expect(r.code).toBe(2);
  });

  it('explains usage errors with exit 2', async () => {
    const r = await runCli(['scan']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Run with --help for usage.');
    const help = await runCli(['scan', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--max-filesize');
    expect(help.stdout).toContain('Exit status: 0 nothing found, 1 detections, 2 errors');
  });
});
