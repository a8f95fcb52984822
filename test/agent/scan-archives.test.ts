import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { eicarBytes } from '../helpers/eicar.js';
import { writeOverlappingZip, writeTar, writeZip } from '../helpers/archive-writers.js';
import { REPO_ROOT, runCli, type CliResult } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

interface JsonReport {
  detections: { path: string; signature: string; kind: string; member?: string }[];
  notLookedInto: { path: string; kind: string; signature: string; member: string }[];
  summary: { files: number; detections: number; incomplete: number };
}

const eicar = eicarBytes();
const pairs = (r: JsonReport): string[] => r.detections.map((d) => `${d.path.split('/').pop()} ${d.member ?? '-'} ${d.signature}`).sort();

/** Runs the CLI and reports its peak RSS (bytes) and wall time, to bound what a bomb costs. */
async function runMeasured(args: readonly string[]): Promise<CliResult & { peakRss: number; ms: number }> {
  const boot = `process.on('exit', () => process.stderr.write('\\nPEAK_RSS ' + process.resourceUsage().maxRSS + '\\n'));`
    + `process.argv.splice(1, 0, 'epq'); await import(${JSON.stringify(`${REPO_ROOT}/bin/epq.js`)});`;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', boot, ...args], { cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /PEAK_RSS (\d+)/.exec(stderr);
      resolve({ code, stdout, stderr, peakRss: Number(m?.[1] ?? NaN) * 1024, ms: performance.now() - t0 });
    });
  });
}

/** 42.zip's shape: `levels` levels of 16 deflated copies of the level below, a megabyte of zeros at the bottom. */
function write42Zip(levels: number): Buffer {
  let inner: Buffer = writeZip([{ name: 'zeros.bin', data: Buffer.alloc(4 << 20), method: 'deflate' }]);
  for (let l = 0; l < levels; l++) {
    inner = writeZip(Array.from({ length: 16 }, (_, i) => ({ name: `l${l}-${i}.zip`, data: inner, method: 'deflate' as const })));
  }
  return inner;
}

describe('epq scan of archives (spawned CLI)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let sigs: string;
  let ctx: string[];

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir());
    sigs = join(dir, 'sigs');
    await mkdir(sigs);
    await writeFile(join(sigs, 'b.ndb'), `Test.Body:0:*:${Buffer.from('EICAR-STANDARD').toString('hex')}\n`);
    ctx = ['--clamav-db', sigs, '--state-dir', join(dir, 'state'), '--root', join(dir, 'root')];
  });
  afterAll(() => cleanup());

  it('names the member in --json and prints clamscan-style lines as text; pax and GNU tars too', async () => {
    const tree = join(dir, 'formats');
    const src = join(dir, 'src', 'a-folder-name-long-enough-to-need-more-than-the-hundred-bytes-of-a-tar-name-field', 'x'.repeat(40));
    await mkdir(src, { recursive: true });
    await mkdir(tree);
    await writeFile(join(src, 'eicar.com'), eicar);
    const rel = src.slice(join(dir, 'src').length + 1);
    for (const format of ['pax', 'gnu']) execFileSync('tar', ['-C', join(dir, 'src'), `--format=${format}`, '-cf', join(tree, `${format}.tar`), rel]);
    await writeFile(join(tree, 'nested.zip'), writeZip([{ name: 'in/pkg.tgz', data: gzipSync(writeTar([{ name: 'e.com', data: eicar }])), method: 'deflate' }]));
    const json = await runCli(['scan', '--json', ...ctx, tree]);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as JsonReport;
    expect(pairs(report)).toEqual([
      'gnu.tar - Test.Body',
      `gnu.tar ${rel}/eicar.com Test.Body`,
      'nested.zip in/pkg.tgz//gzip-data Test.Body',
      'nested.zip in/pkg.tgz//gzip-data//e.com Test.Body',
      'pax.tar - Test.Body',
      `pax.tar ${rel}/eicar.com Test.Body`,
    ]);
    // One line per infected file by default (clamscan's habit): every match and its offset with --allmatch --verbose.
    const one = await runCli(['scan', ...ctx, join(tree, 'nested.zip')]);
    expect(one.stdout.split('\n').filter((l) => l.includes('FOUND'))).toEqual([`${join(tree, 'nested.zip')}: Test.Body FOUND (in in/pkg.tgz//gzip-data//e.com)`]);
    const text = await runCli(['scan', '--allmatch', '--verbose', ...ctx, join(tree, 'nested.zip')]);
    expect(text.stdout.split('\n').filter((l) => l.includes('FOUND'))).toEqual([
      `${join(tree, 'nested.zip')}: Test.Body FOUND (in in/pkg.tgz//gzip-data, offset 540)`,
      `${join(tree, 'nested.zip')}: Test.Body FOUND (in in/pkg.tgz//gzip-data//e.com, offset 28)`,
    ]);
  });

  it('reports limits as results, counted and printed, and as detections with --alert-exceeds-max', async () => {
    const tree = join(dir, 'limits');
    await mkdir(tree);
    await writeFile(join(tree, 'big.zip'), writeZip([{ name: 'big.bin', data: Buffer.alloc(3 << 20), method: 'deflate' }, { name: 'e.com', data: eicar }]));
    const plain = await runCli(['scan', '--verbose', ...ctx, '--max-member-size', '1M', tree]);
    expect(plain.stdout).toContain(`${join(tree, 'big.zip')}: Heuristics.Limits.Exceeded.MaxFileSize NOT SCANNED (big.bin)`);
    expect(plain.stdout).toMatch(/Not looked into: +1/);
    // e.com is stored: its bytes match in the zip itself and in the member.
    expect(plain.stdout).toContain(`${join(tree, 'big.zip')}: Test.Body FOUND (in e.com, offset 28)`);
    expect(plain.stdout).toMatch(/Detections: +2\n/);
    const alert = JSON.parse((await runCli(['scan', '--json', ...ctx, '--max-member-size', '1M', '--alert-exceeds-max', tree])).stdout) as JsonReport;
    expect(pairs(alert)).toEqual(['big.zip - Test.Body', 'big.zip big.bin Heuristics.Limits.Exceeded.MaxFileSize', 'big.zip e.com Test.Body']);
    const off = JSON.parse((await runCli(['scan', '--json', ...ctx, '--no-scan-archive', tree])).stdout) as JsonReport;
    expect(pairs(off)).toEqual(['big.zip - Test.Body']);
  });

  it('quarantines the whole archive when a member is infected', async () => {
    const tree = join(dir, 'root', 'quarantine');
    await mkdir(tree, { recursive: true });
    const zip = join(tree, 'carrier.zip');
    await writeFile(zip, writeZip([{ name: 'e.com', data: eicar, method: 'deflate' }]));
    const r = await runCli(['scan', '--action', 'quarantine', ...ctx, tree]);
    expect(r.code).toBe(1);
    expect(existsSync(zip)).toBe(false);
    expect(await readdir(tree)).toEqual([]);
  });

  it('keeps bombs bounded in time and memory: 42.zip-style, overlapping members, gzip, a deep tar chain', async () => {
    const tree = join(dir, 'bombs');
    await mkdir(tree);
    await writeFile(join(tree, '42.zip'), write42Zip(4));
    await writeFile(join(tree, 'overlap.zip'), writeOverlappingZip(2000, 20 << 20));
    // A gzip file may hold many members back to back; 400 of 10 MB of zeros inflate to 4 GB.
    const member = gzipSync(Buffer.alloc(10 << 20));
    await writeFile(join(tree, 'bomb.gz'), Buffer.concat(Array.from({ length: 400 }, () => member)));
    let chain: Buffer = writeTar([{ name: 'e.com', data: eicar }]);
    for (let i = 0; i < 40; i++) chain = writeTar([{ name: `level${i}.tar`, data: chain }]);
    await writeFile(join(tree, 'chain.tar'), chain);
    const r = await runMeasured(['scan', '--json', '-j', '1', ...ctx, tree]);
    const report = JSON.parse(r.stdout) as JsonReport;
    const notes = new Map(report.notLookedInto.map((n) => [n.path.split('/').pop(), n.signature]));
    expect(notes.get('42.zip')).toMatch(/Heuristics\.Limits\.Exceeded\.(MaxScanSize|MaxFiles)/);
    expect(notes.get('overlap.zip')).toBe('Heuristics.Limits.Exceeded.MaxScanSize');
    expect(notes.get('bomb.gz')).toBe('Heuristics.Limits.Exceeded.MaxFileSize');
    expect(notes.get('chain.tar')).toBe('Heuristics.Limits.Exceeded.MaxRecursion');
    expect(report.summary.incomplete).toBe(4);
    // Each file stops at 100 MB scanned (25 MB per member); a generous bound for a loaded 2-core machine.
    expect(r.ms).toBeLessThan(50_000);
    expect(r.peakRss).toBeLessThan(700 << 20);
  }, 120_000);
});
