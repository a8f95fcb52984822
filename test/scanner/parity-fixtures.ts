import { createHash } from 'node:crypto';
import { seededRandom } from '../helpers/seeded-random.js';

/** A body signature with a file that must match it and files that must not. */
export interface BodyCase {
  readonly name: string;
  readonly offset: string;
  readonly hex: string;
  readonly hits: readonly Uint8Array[];
  readonly misses: readonly Uint8Array[];
}

const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const cat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));

/**
 * One case per token and offset form, each with near misses. Filler bytes are seeded random
 * in 0x80-0x8f: clamscan also scans a normalised copy of anything it takes for text (random
 * bytes sometimes look like UTF-16), which moves offsets; bytes of that range are never text.
 */
export function makeBodyCases(seed: number): BodyCase[] {
  const r = seededRandom(seed);
  const fill = (n: number): Uint8Array => r.bytes(n).map((b) => 0x80 | (b & 0x0f));
  const A = h('a1a2a3a4a5a6');
  const B = h('b1b2b3b4b5b6');
  const N = h('a7a8a9aaabac');
  return [
    { name: 'Parity.Plain', offset: '*', hex: 'a1a2a3a4a5a6b1b2', hits: [cat(fill(100), A, h('b1b2'), fill(50))], misses: [cat(fill(100), A, h('b1b3'))] },
    { name: 'Parity.AnyByte', offset: '*', hex: 'a1a2a3a4a5a6??b1b2b3b4b5b6', hits: [cat(fill(10), A, h('ff'), B)], misses: [cat(fill(10), A, h('ffff'), B)] },
    { name: 'Parity.HighNibble', offset: '*', hex: 'a7a8a9aaabac7?b1b2b3b4b5b6', hits: [cat(N, h('7c'), B)], misses: [cat(N, h('8c'), B)] },
    { name: 'Parity.LowNibble', offset: '*', hex: 'a7a8a9aaabac?7b1b2b3b4b5b6', hits: [cat(N, h('c7'), B)], misses: [cat(N, h('c8'), B)] },
    { name: 'Parity.Star', offset: '*', hex: 'c1c2c3c4c5c6*d1d2d3d4d5d6', hits: [cat(fill(5), h('c1c2c3c4c5c6'), fill(3000), h('d1d2d3d4d5d6'))], misses: [cat(h('d1d2d3d4d5d6'), fill(30), h('c1c2c3c4c5c6'))] },
    { name: 'Parity.Exact', offset: '*', hex: 'a1a2a3a4a5a6{3}b1b2b3b4b5b6', hits: [cat(A, fill(3), B)], misses: [cat(A, fill(2), B), cat(A, fill(4), B)] },
    { name: 'Parity.Range', offset: '*', hex: 'e1e2e3e4e5e6{2-5}b1b2b3b4b5b6', hits: [cat(h('e1e2e3e4e5e6'), fill(2), B), cat(h('e1e2e3e4e5e6'), fill(5), B)], misses: [cat(h('e1e2e3e4e5e6'), fill(1), B), cat(h('e1e2e3e4e5e6'), fill(6), B)] },
    { name: 'Parity.UpTo', offset: '*', hex: 'f1f2f3f4f5f6{-4}b1b2b3b4b5b6', hits: [cat(h('f1f2f3f4f5f6'), B), cat(h('f1f2f3f4f5f6'), fill(4), B)], misses: [cat(h('f1f2f3f4f5f6'), fill(5), B)] },
    { name: 'Parity.AtLeast', offset: '*', hex: '919293949596{10-}b1b2b3b4b5b6', hits: [cat(h('919293949596'), fill(10), B), cat(h('919293949596'), fill(900), B)], misses: [cat(h('919293949596'), fill(9), B)] },
    { name: 'Parity.Alt', offset: '*', hex: 'a1a2a3a4a5a6(0102|0304)b1b2b3b4b5b6', hits: [cat(A, h('0102'), B), cat(A, h('0304'), B)], misses: [cat(A, h('0103'), B)] },
    { name: 'Parity.NotAlt', offset: '*', hex: '818283848586!(0102|0304)b1b2b3b4b5b6', hits: [cat(h('818283848586'), h('0103'), B)], misses: [cat(h('818283848586'), h('0102'), B), cat(h('818283848586'), h('0304'), B)] },
    { name: 'Parity.Absolute', offset: '16', hex: '717273747576', hits: [cat(fill(16), h('717273747576'), fill(20))], misses: [cat(fill(17), h('717273747576'), fill(20))] },
    { name: 'Parity.Shift', offset: '8,4', hex: '616263646566', hits: [cat(fill(8), h('616263646566')), cat(fill(12), h('616263646566'), fill(3))], misses: [cat(fill(13), h('616263646566'), fill(3)), cat(fill(7), h('616263646566'))] },
    { name: 'Parity.FromEnd', offset: 'EOF-10', hex: '515253545556', hits: [cat(fill(40), h('515253545556'), fill(4))], misses: [cat(fill(40), h('515253545556'), fill(5))] },
  ];
}

export interface HashCase {
  readonly file: Uint8Array;
  readonly line: string;
  readonly name: string;
  readonly ext: '.hdb' | '.hsb';
}

/** Hash signatures of each algorithm, one with a wildcard size, for files made here. */
export function makeHashCases(seed: number): HashCase[] {
  const r = seededRandom(seed);
  const digest = (alg: string, b: Uint8Array): string => createHash(alg).update(b).digest('hex');
  const files = [r.bytes(1000), r.bytes(2000), r.bytes(3000), r.bytes(4000)];
  return [
    { file: files[0]!, ext: '.hdb', name: 'Parity.Md5', line: `${digest('md5', files[0]!)}:1000:Parity.Md5` },
    { file: files[1]!, ext: '.hsb', name: 'Parity.Sha1', line: `${digest('sha1', files[1]!)}:2000:Parity.Sha1` },
    { file: files[2]!, ext: '.hsb', name: 'Parity.Sha256', line: `${digest('sha256', files[2]!)}:3000:Parity.Sha256` },
    { file: files[3]!, ext: '.hsb', name: 'Parity.AnySize', line: `${digest('sha256', files[3]!)}:*:Parity.AnySize:73` },
  ];
}
