import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { createBufferSource } from '../../../scanner/archive/byte-source.js';
import { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from '../../../scanner/archive/archive-limits.js';
import { scanArchive, type ArchiveScanResult } from '../../../scanner/archive/scan-archive.js';
import { compileEngine } from '../../../scanner/engine.js';
import { parseSignatureFiles } from '../../../scanner/signature-database.js';
import { eicarBytes } from '../../helpers/eicar.js';
import { writeTar, writeZip } from '../../helpers/archive-writers.js';

const eicar = eicarBytes();
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const md5 = createHash('md5').update(eicar).digest('hex');
const engine = compileEngine(parseSignatureFiles([
  { name: 'b.ndb', data: enc(`Test.Body:0:*:${Buffer.from('EICAR-STANDARD').toString('hex')}\n`) },
  { name: 'h.hdb', data: enc(`${md5}:${eicar.length}:Test.Hash\n`) },
]));

function scan(bytes: Uint8Array, limits: Partial<ArchiveLimits> = {}, now = (): number => 0): ArchiveScanResult {
  return scanArchive(engine, createBufferSource(bytes), { limits: { ...DEFAULT_ARCHIVE_LIMITS, ...limits }, now });
}
const found = (r: ArchiveScanResult): string[] => r.detections.map((d) => `${d.member} ${d.signature}`).sort();
const noted = (r: ArchiveScanResult): string[] => r.notes.map((n) => `${n.member} ${n.signature}`);
const both = (member: string): string[] => [`${member} Test.Body`, `${member} Test.Hash`];

describe('scanArchive', () => {
  it.each([
    ['stored', { method: 'store' as const }, {}],
    ['deflated', { method: 'deflate' as const }, {}],
    ['zip64 stored', { method: 'store' as const }, { zip64: true }],
    ['zip64 deflated', { method: 'deflate' as const }, { zip64: true }],
  ])('finds EICAR in a %s zip member, body and hash signatures, naming the member', (_label, entry, how) => {
    const zip = writeZip([{ name: 'readme.txt', data: enc('clean'), ...entry }, { name: 'dir/eicar.com', data: eicar, ...entry }], how);
    const r = scan(zip);
    expect(found(r)).toEqual(both('dir/eicar.com'));
    expect(r.notes).toEqual([]);
    expect(r.members).toBe(2);
  });

  it('reports an encrypted member as such and does not claim it clean or infected', () => {
    const r = scan(writeZip([{ name: 'secret.com', data: eicar, encrypted: true }]));
    expect(r.detections).toEqual([]);
    expect(r.notes).toEqual([expect.objectContaining({ kind: 'encrypted', signature: 'Heuristics.Encrypted.Zip', member: 'secret.com' })]);
  });

  it('finds EICAR in a ustar member and in gzip data', () => {
    expect(found(scan(writeTar([{ name: 'a/b/eicar.com', data: eicar }])))).toEqual(both('a/b/eicar.com'));
    expect(found(scan(gzipSync(eicar)))).toEqual(both('gzip-data'));
  });

  it('finds EICAR in bzip2 data and in a tar.bz2 (made by the system bzip2)', () => {
    const bz = (data: Uint8Array): Buffer => execFileSync('bzip2', ['-c'], { input: data });
    expect(found(scan(bz(eicar)))).toEqual(both('bzip2-data'));
    expect(found(scan(bz(writeTar([{ name: 'e.com', data: eicar }]))))).toEqual(['bzip2-data Test.Body', ...both('bzip2-data//e.com')]);
  });

  it('stops a bzip2 bomb at the member limit, bounded in time', () => {
    const bomb = execFileSync('bzip2', ['-c'], { input: Buffer.alloc(64 << 20), maxBuffer: 1 << 20 });
    const started = performance.now();
    const r = scan(bomb, { maxMemberSize: 8 << 20 });
    expect(noted(r)).toEqual(['bzip2-data Heuristics.Limits.Exceeded.MaxFileSize']);
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it('names nested members level by level, and a tgz holds its tar as a member', () => {
    const tgz = gzipSync(writeTar([{ name: 'in/eicar.com', data: eicar }]));
    const outer = writeZip([{ name: 'pkg.tgz', data: tgz, method: 'deflate' }]);
    const r = scan(outer);
    // The raw tar holds EICAR too (the body signature matches it; the hash does not).
    expect(found(r)).toEqual(['pkg.tgz//gzip-data Test.Body', ...both('pkg.tgz//gzip-data//in/eicar.com')]);
  });

  it('does not scan a member over maxMemberSize and says so', () => {
    const zip = writeZip([{ name: 'big.bin', data: Buffer.alloc(5000), method: 'deflate' }, { name: 'eicar.com', data: eicar }]);
    const r = scan(zip, { maxMemberSize: 4096 });
    expect(noted(r)).toEqual(['big.bin Heuristics.Limits.Exceeded.MaxFileSize']);
    expect(found(r)).toEqual(both('eicar.com'));
  });

  it('stops at maxScanSize, maxFiles and maxScanTime', () => {
    const files = Array.from({ length: 6 }, (_, i) => ({ name: `f${i}`, data: Buffer.alloc(1000, i) }));
    expect(noted(scan(writeZip(files), { maxScanSize: 2500 }))).toEqual(['f2 Heuristics.Limits.Exceeded.MaxScanSize']);
    expect(noted(scan(writeZip(files), { maxFiles: 4 }))).toEqual(['f4 Heuristics.Limits.Exceeded.MaxFiles']);
    // Each reading of the clock advances it a second: the deadline is set at 1 s, so 3.5 s, passed at f2.
    let clock = 0;
    const r = scan(writeZip(files), { maxScanTime: 2500 }, () => (clock += 1000));
    expect(noted(r)).toEqual(['f2 Heuristics.Limits.Exceeded.MaxScanTime']);
  });

  it('stops at maxRecursion, finding what is above it', () => {
    // Deflated, so that only the innermost member holds EICAR's bytes as they are.
    let inner: Uint8Array = writeZip([{ name: 'eicar.com', data: eicar, method: 'deflate' }]);
    for (let i = 0; i < 3; i++) inner = writeZip([{ name: `l${i}.zip`, data: inner, method: 'deflate' }]);
    expect(found(scan(inner, { maxRecursion: 4 }))).toEqual(both('l2.zip//l1.zip//l0.zip//eicar.com'));
    const limited = scan(inner, { maxRecursion: 3 });
    expect(limited.detections).toEqual([]);
    expect(noted(limited)).toEqual(['l2.zip//l1.zip//l0.zip Heuristics.Limits.Exceeded.MaxRecursion']);
  });

  it('gives a damaged zip a note, not a throw', () => {
    const zip = writeZip([{ name: 'eicar.com', data: eicar }]);
    const r = scan(zip.subarray(0, zip.length - 30));
    expect(r.notes.map((n) => n.signature)).toEqual(['Epq.Broken.Zip']);
  });
});
