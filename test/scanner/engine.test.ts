import { createHash } from 'node:crypto';
import { compileEngine } from '../../scanner/engine.js';
import { parseSignatureFiles } from '../../scanner/signature-database.js';
import type { BodySignature, ScanResult } from '../../scanner/types.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { oracleMatches } from './regex-oracle.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const engineOf = (files: Record<string, string>) =>
  compileEngine(parseSignatureFiles(Object.entries(files).map(([name, text]) => ({ name, data: enc(text) }))));

function scanInChunks(engine: ReturnType<typeof engineOf>, bytes: Uint8Array, chunk: number): ScanResult {
  const session = engine.createScan(bytes.length, chunk);
  for (let at = 0; at < bytes.length; at += chunk) session.update(bytes.subarray(at, at + chunk));
  return session.finish();
}

type Random = ReturnType<typeof seededRandom>;

/** A random signature text built from every token kind, and a byte string that satisfies it. */
function randomSignature(r: Random, index: number): { line: string; instance: number[] } {
  const hex = (b: number): string => b.toString(16).padStart(2, '0');
  let text = '';
  const instance: number[] = [];
  const literal = (n: number): void => {
    for (let i = 0; i < n; i++) {
      const b = r.int(0, 255);
      text += hex(b);
      instance.push(b);
    }
  };
  literal(r.int(2, 6));
  const pieces = r.int(1, 4);
  for (let p = 0; p < pieces; p++) {
    const kind = r.int(0, 7);
    const fill = (n: number): void => {
      for (let i = 0; i < n; i++) instance.push(r.int(0, 255));
    };
    if (kind === 0) {
      text += '??';
      fill(1);
    } else if (kind === 1) {
      const b = r.int(0, 255);
      text += `${hex(b)[0]}?`;
      instance.push((b & 0xf0) | r.int(0, 15));
    } else if (kind === 2) {
      const b = r.int(0, 255);
      text += `?${hex(b)[1]}`;
      instance.push((b & 0x0f) | (r.int(0, 15) << 4));
    } else if (kind === 3) {
      const min = r.int(0, 3);
      const max = min + r.int(0, 4);
      text += `{${min}-${max}}`;
      fill(r.int(min, max));
    } else if (kind === 4) {
      const a = r.int(0, 255);
      const b = r.int(0, 255);
      text += `(${hex(a)}|${hex(b)}${hex(a)})`;
      if (r.int(0, 1)) instance.push(a);
      else instance.push(b, a);
    } else if (kind === 5) {
      const a = r.int(0, 255);
      text += `!(${hex(a)}|${hex(a ^ 1)})`;
      instance.push(a ^ 0x80);
    } else if (kind === 6) {
      text += '*';
      fill(r.int(0, 40));
    } else {
      const n = r.int(1, 5);
      text += `{${n}-}`;
      fill(n + r.int(0, 30));
    }
    literal(r.int(2, 5));
  }
  return { line: `Rand.${index}:0:*:${text}`, instance };
}

describe('engine', () => {
  it('agrees with a regular-expression oracle at every chunk size (randomised, seeded)', () => {
    let detections = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const r = seededRandom(seed);
      const sigs = Array.from({ length: 6 }, (_, i) => randomSignature(r, i));
      const engine = engineOf({ 'r.ndb': sigs.map((s) => s.line).join('\n') });
      const bodies = engine.body.signatures as readonly BodySignature[];
      const data = Array.from(r.bytes(r.int(200, 3000)));
      for (const s of sigs.slice(0, r.int(0, 3))) data.splice(r.int(0, data.length), 0, ...s.instance);
      const bytes = Uint8Array.from(data);
      const expected = bodies.filter((b) => oracleMatches(b, bytes)).map((b) => b.name).sort();
      for (const chunk of [1, 3, 17, 256, bytes.length]) {
        const found = scanInChunks(engine, bytes, chunk).detections.map((d) => d.signature).sort();
        if (JSON.stringify(found) !== JSON.stringify(expected)) {
          throw new Error(`seed ${seed}, chunk ${chunk}: engine ${found} oracle ${expected}\n${sigs.map((s) => s.line).join('\n')}`);
        }
      }
      detections += expected.length;
    }
    // Planted instances make most runs positive; a matcher that finds nothing cannot pass.
    expect(detections).toBeGreaterThan(30);
  });

  it('plants are found: every planted instance is detected across chunk boundaries', () => {
    const r = seededRandom(99);
    const sigs = Array.from({ length: 20 }, (_, i) => randomSignature(r, i));
    const engine = engineOf({ 'r.ndb': sigs.map((s) => s.line).join('\n') });
    for (const [i, s] of sigs.entries()) {
      const data = [...r.bytes(5000)];
      data.splice(4096 - (i % 7), 0, ...s.instance);
      const found = scanInChunks(engine, Uint8Array.from(data), 4096).detections.map((d) => d.signature);
      expect(found).toContain(`Rand.${i}`);
    }
  });

  it('finds hundreds of planted anchors in a large buffer, including across search-lane edges', () => {
    const r = seededRandom(7);
    const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
    const planted = Array.from({ length: 300 }, () => r.bytes(r.int(6, 12)));
    const absent = Array.from({ length: 300 }, () => r.bytes(r.int(6, 12)));
    const engine = engineOf({ 'p.ndb': [...planted.map((b, i) => `P.${i}:0:*:${hex(b)}`), ...absent.map((b, i) => `A.${i}:0:*:${hex(b)}`)].join('\n') });
    const size = 1 << 20;
    const data = r.bytes(size);
    // The search splits a range into four lanes of size/4; plant across each edge too.
    const edges = [size / 4 - 3, size / 2 - 1, (3 * size) / 4 - 5, size - 12];
    // Everything else goes one per slot of 2 KiB, at a random place inside it: no two overlap.
    const slots = Array.from({ length: size / 2048 }, (_, k) => k * 2048).filter((s) => !edges.some((e) => e >= s - 16 && e < s + 2048));
    planted.forEach((b, i) => data.set(b, i < edges.length ? edges[i]! : slots[i]! + r.int(0, 2000)));
    const found = new Set(engine.scanBuffer(data).detections.map((d) => d.signature));
    expect(planted.filter((_, i) => !found.has(`P.${i}`))).toEqual([]);
    expect([...found].filter((n) => n.startsWith('A.'))).toEqual([]);
  });

  it('reports the offset where a body signature starts', () => {
    const engine = engineOf({ 'o.ndb': 'Off:0:*:6d61726b6572' });
    const result = engine.scanBuffer(enc('0123456789marker'));
    expect(result.detections).toEqual([{ signature: 'Off', kind: 'body', offset: 10 }]);
  });

  it('honours n,maxshift and EOF-n offsets at both edges', () => {
    const engine = engineOf({ 'o.ndb': 'Abs:0:4,2:41424344\nEnd:0:EOF-6:45464748' });
    const names = (s: string): string[] => engine.scanBuffer(enc(s)).detections.map((d) => d.signature);
    expect(names('....ABCD')).toEqual(['Abs']);
    expect(names('......ABCD')).toEqual(['Abs']);
    expect(names('.......ABCD')).toEqual([]);
    expect(names('...ABCD')).toEqual([]);
    expect(names('xxEFGHyy')).toEqual(['End']);
    expect(names('xxEFGHy')).toEqual([]);
    expect(names('FGHy')).toEqual([]);
  });

  it('hashes only when a signature has the size, and matches md5, sha1, sha256 and *', () => {
    const file = enc('some file content');
    const d = (alg: string): string => createHash(alg).update(file).digest('hex');
    const engine = engineOf({
      'h.hdb': `${d('md5')}:${file.length}:ByMd5\n`,
      'h.hsb': `${d('sha1')}:${file.length}:BySha1\n${d('sha256')}:*:ByAnySize:73\n${d('sha256')}:${file.length + 1}:WrongSize\n`,
    });
    expect(engine.hashesFor(file.length).sort()).toEqual(['md5', 'sha1', 'sha256']);
    expect(engine.scanBuffer(file).detections.map((x) => x.signature).sort()).toEqual(['ByAnySize', 'ByMd5', 'BySha1']);
    const onlyExact = engineOf({ 'h.hdb': `${d('md5')}:${file.length}:ByMd5\n` });
    expect(onlyExact.hashesFor(file.length + 1)).toEqual([]);
  });

  it('clears a file on an allow-list hash and drops ignored names', () => {
    const file = enc('xxEVILxx');
    const fp = `${createHash('md5').update(file).digest('hex')}:${file.length}:Known.Good\n`;
    const base = { 'e.ndb': 'Evil:0:*:4556494c\nAlso:0:*:78784556' };
    expect(engineOf(base).scanBuffer(file).detections).toHaveLength(2);
    const allowed = engineOf({ ...base, 'a.fp': fp }).scanBuffer(file);
    expect(allowed.allowListed).toBe(true);
    expect(allowed.detections).toEqual([]);
    expect(engineOf({ ...base, 'i.ign2': 'Evil\n' }).scanBuffer(file).detections.map((x) => x.signature)).toEqual(['Also']);
  });

  it('is immutable once compiled', () => {
    const engine = engineOf({ 'e.ndb': 'Evil:0:*:4556494c' });
    expect(Object.isFrozen(engine)).toBe(true);
  });
});
