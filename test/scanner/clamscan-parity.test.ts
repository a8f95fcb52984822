import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../helpers/run-cli.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { makeBodyCases, makeHashCases } from './parity-fixtures.js';

const run = promisify(execFile);

/** clamscan prints `path: Name.UNOFFICIAL FOUND`; epq has no "official" database notion. */
function parseClamscan(stdout: string): Set<string> {
  const found = new Set<string>();
  for (const line of stdout.split('\n')) {
    const m = /^(.*): (\S+?)(?:\.UNOFFICIAL)? FOUND$/.exec(line);
    if (m) found.add(`${m[1]}\t${m[2]}`);
  }
  return found;
}

describe('parity with clamscan', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const expected = new Set<string>();

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir());
    const sigs = join(dir, 'sigs');
    const files = join(dir, 'files');
    await mkdir(sigs);
    await mkdir(files);
    const seed = 20261123;
    const bodies = makeBodyCases(seed);
    await writeFile(join(sigs, 'parity.ndb'), bodies.map((c) => `${c.name}:0:${c.offset}:${c.hex}`).join('\n') + '\n');
    for (const c of bodies) {
      for (const [i, bytes] of c.hits.entries()) {
        const path = join(files, `${c.name}.hit${i}`);
        await writeFile(path, bytes);
        expected.add(`${path}\t${c.name}`);
      }
      for (const [i, bytes] of c.misses.entries()) await writeFile(join(files, `${c.name}.miss${i}`), bytes);
    }
    const hashes = makeHashCases(seed);
    await writeFile(join(sigs, 'parity.hdb'), hashes.filter((c) => c.ext === '.hdb').map((c) => c.line).join('\n') + '\n');
    await writeFile(join(sigs, 'parity.hsb'), hashes.filter((c) => c.ext === '.hsb').map((c) => c.line).join('\n') + '\n');
    for (const c of hashes) {
      const path = join(files, `${c.name}.bin`);
      await writeFile(path, c.file);
      expected.add(`${path}\t${c.name}`);
      // Same bytes plus one: the size no longer matches, so no detection.
      await writeFile(join(files, `${c.name}.longer`), Buffer.concat([c.file, Buffer.from([0])]));
    }
    // A body match straddling the 1 MiB read boundary, and an allow-listed / ignored pair.
    const r = seededRandom(seed + 1);
    const big = Buffer.from(r.bytes(3 << 20));
    Buffer.from('c1c2c3c4c5c6', 'hex').copy(big, (1 << 20) - 3);
    Buffer.from('d1d2d3d4d5d6', 'hex').copy(big, (2 << 20) - 2);
    await writeFile(join(files, 'straddle.bin'), big);
    expected.add(`${join(files, 'straddle.bin')}\tParity.Star`);
    const allowed = Buffer.concat([Buffer.from('a1a2a3a4a5a6b1b2', 'hex'), Buffer.from(r.bytes(64))]);
    await writeFile(join(files, 'allowed.bin'), allowed);
    await writeFile(join(sigs, 'parity.fp'), `${createHash('md5').update(allowed).digest('hex')}:${allowed.length}:Allowed.File\n`);
    await writeFile(join(sigs, 'parity.ign2'), 'Parity.Ignored\n');
    await writeFile(join(sigs, 'ignored.ndb'), 'Parity.Ignored:0:*:a1a2a3a4a5a6b1b2\n');
  }, 60_000);

  afterAll(() => cleanup());

  it('reports exactly the detections clamscan reports, and the expected ones', async () => {
    let clam;
    try {
      clam = await run('clamscan', ['--no-summary', '--allmatch', '--infected', '-r', '-d', join(dir, 'sigs'), join(dir, 'files')], { maxBuffer: 1 << 24 });
    } catch (err) {
      const e = err as { code?: number | string; stdout?: string; stderr?: string };
      if (e.code === 'ENOENT') throw new Error('clamscan is not installed: apt-get install -y clamav (.ci/run does this)');
      if (e.code !== 1) throw new Error(`clamscan failed: ${e.stderr}`);
      clam = e as { stdout: string };
    }
    const theirs = parseClamscan(clam.stdout);
    const epq = await runCli(['scan', '--json', '--clamav-db', join(dir, 'sigs'), join(dir, 'files')]);
    expect(epq.stderr).toBe('');
    expect(epq.code).toBe(1);
    const ours = new Set<string>(JSON.parse(epq.stdout).detections.map((d: { path: string; signature: string }) => `${d.path}\t${d.signature}`));
    expect([...ours].sort()).toEqual([...theirs].sort());
    expect([...ours].sort()).toEqual([...expected].sort());
  }, 120_000);
});
