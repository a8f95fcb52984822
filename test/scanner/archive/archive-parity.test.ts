import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { eicarBytes } from '../../helpers/eicar.js';
import { writeTar, writeZip } from '../../helpers/archive-writers.js';
import { runCli } from '../../helpers/run-cli.js';
import { seededRandom } from '../../helpers/seeded-random.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const run = promisify(execFile);

function parseClamscan(stdout: string): Set<string> {
  const found = new Set<string>();
  for (const line of stdout.split('\n')) {
    const m = /^(.*): (\S+?)(?:\.UNOFFICIAL)? FOUND$/.exec(line);
    if (m) found.add(`${m[1]}\t${m[2]}`);
  }
  return found;
}

type Wrap = 'zip-store' | 'zip-deflate' | 'zip64' | 'tar' | 'gzip';
// zip64 is left out of the random cases: clamscan 1.4.6 does not find a zip64 central directory
// ("cli_unzip: central not found") and misses the members; the README lists this difference,
// and the last test pins it.
const WRAPS: readonly Wrap[] = ['zip-store', 'zip-deflate', 'tar', 'gzip'];

function wrap(kind: Wrap, name: string, data: Uint8Array, filler: Uint8Array): Buffer {
  const other = { name: 'filler.bin', data: filler };
  if (kind === 'tar') return writeTar([other, { name, data }]);
  if (kind === 'gzip') return gzipSync(data);
  return writeZip([{ ...other, method: 'deflate' }, { name, data, method: kind === 'zip-store' ? 'store' : 'deflate' }], { zip64: kind === 'zip64' });
}

describe('archives: parity with clamscan --allmatch', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir());
    const sigs = join(dir, 'sigs');
    const files = join(dir, 'files');
    await mkdir(sigs);
    await mkdir(files);
    const r = seededRandom(20261204);
    const marker = Buffer.from('parity-archive-marker-7f3a');
    const hashed = Buffer.from(r.bytes(300));
    const eicar = eicarBytes();
    await writeFile(join(sigs, 'a.ndb'), `Arc.Marker:0:*:${marker.toString('hex')}\nArc.Eicar:0:*:${Buffer.from('EICAR-STANDARD').toString('hex')}\n`);
    await writeFile(join(sigs, 'a.hdb'), `${createHash('md5').update(hashed).digest('hex')}:${hashed.length}:Arc.Md5\n${createHash('md5').update(eicar).digest('hex')}:${eicar.length}:Arc.EicarMd5\n`);
    await mkdir(join(dir, 'zip64'));
    await writeFile(join(dir, 'zip64', 'case.zip'), wrap('zip64', 'e.com', eicar, r.bytes(100)));
    await writeFile(join(sigs, 'a.hsb'), `${createHash('sha256').update(hashed).digest('hex')}:${hashed.length}:Arc.Sha256\n`);
    for (let i = 0; i < 40; i++) {
      // Payloads: a marker hit, a near miss (one byte off), a hashed file, the hashed file one byte longer, EICAR.
      const kind = r.int(0, 4);
      const near = Buffer.from(marker);
      near[r.int(0, near.length - 1)] ^= 1;
      const payload = [Buffer.concat([Buffer.from(r.bytes(r.int(0, 2000))), marker, Buffer.from(r.bytes(50))]), near, hashed, Buffer.concat([hashed, Buffer.from([0])]), eicar][kind]!;
      let data: Buffer = payload;
      let name = 'payload.bin';
      for (let depth = r.int(1, 3); depth > 0; depth--) {
        const how = WRAPS[r.int(0, WRAPS.length - 1)]!;
        data = wrap(how, name, data, r.bytes(r.int(1, 3000)));
        name = `inner-${how}`;
      }
      await writeFile(join(files, `case${i}`), data);
    }
  }, 60_000);

  afterAll(() => cleanup());

  it('reports exactly the (file, signature) pairs clamscan reports on generated archives', async () => {
    const theirs = await runClamscan(join(dir, 'sigs'), join(dir, 'files'));
    const epq = await runCli(['scan', '--json', '--clamav-db', join(dir, 'sigs'), '--state-dir', join(dir, 'state'), join(dir, 'files')]);
    expect(epq.stderr).toBe('');
    const ours = new Set<string>(JSON.parse(epq.stdout).detections.map((d: { path: string; signature: string }) => `${d.path}\t${d.signature}`));
    expect(theirs.size).toBeGreaterThan(10);
    expect([...ours].sort()).toEqual([...theirs].sort());
  }, 120_000);

  it('known difference: epq reads a zip64 central directory, clamscan 1.4.6 does not', async () => {
    const path = join(dir, 'zip64', 'case.zip');
    expect([...(await runClamscan(join(dir, 'sigs'), join(dir, 'zip64')))]).toEqual([]);
    const epq = await runCli(['scan', '--json', '--clamav-db', join(dir, 'sigs'), '--state-dir', join(dir, 'state'), path]);
    const ours = JSON.parse(epq.stdout).detections.map((d: { signature: string; member?: string }) => `${d.member} ${d.signature}`).sort();
    expect(ours).toEqual(['e.com Arc.Eicar', 'e.com Arc.EicarMd5']);
  }, 120_000);
});

async function runClamscan(sigs: string, files: string): Promise<Set<string>> {
  let clam;
  try {
    clam = await run('clamscan', ['--no-summary', '--allmatch', '--infected', '-r', '-d', sigs, files], { maxBuffer: 1 << 24 });
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('clamscan is not installed: apt-get install -y clamav (.ci/run does this)');
    if (e.code !== 1) throw new Error(`clamscan failed: ${e.stderr}`);
    clam = e as { stdout: string };
  }
  return parseClamscan(clam.stdout);
}
