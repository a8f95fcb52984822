import { SignatureSyntaxError } from './errors.js';
import { appliesToThisLevel } from './functionality-level.js';
import { ANY_SIZE, type HashTableBuilder } from './hash-table.js';
import type { HashAlgorithm } from './types.js';

const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VALUE[97 + i] = 10 + i;
  HEX_VALUE[65 + i] = 10 + i;
}
const COLON = 58;
const NEWLINE = 10;

const ALGORITHM_BY_HEX_LENGTH: Record<number, HashAlgorithm> = { 32: 'md5', 40: 'sha1', 64: 'sha256' };
const HEX_LENGTH: Record<HashAlgorithm, number> = { md5: 32, sha1: 40, sha256: 64 };

/** Which algorithms each hash-file type allows; `.hsb`/`.sfp` tell them apart by length. */
export const HASH_FILE_ALGORITHMS: Record<string, readonly HashAlgorithm[]> = {
  '.hdb': ['md5'],
  '.fp': ['md5'],
  '.hsb': ['md5', 'sha1', 'sha256'],
  '.sfp': ['md5', 'sha1', 'sha256'],
};

function text(data: Uint8Array, start: number, end: number): string {
  return Buffer.from(data.buffer, data.byteOffset + start, Math.max(0, Math.min(end - start, 80))).toString('utf8');
}

function decimal(data: Uint8Array, start: number, end: number, what: string, fail: (reason: string) => never): number {
  if (start === end) fail(`empty ${what}`);
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = data[i]! - 48;
    if (c < 0 || c > 9) fail(`${what} "${text(data, start, end)}" is not a decimal number`);
    value = value * 10 + c;
  }
  if (!Number.isSafeInteger(value)) fail(`${what} "${text(data, start, end)}" is too large`);
  return value;
}

/**
 * Parses complete `hash:size:name[:minlevel[:maxlevel]]` lines of `block` straight into the
 * table of each line's algorithm. One loop over the bytes, no strings: a million lines is the
 * size real hash databases reach. Blank lines and `#` comments are skipped.
 * @returns the number of lines consumed (so the caller can number the next block).
 * @throws SignatureSyntaxError naming `file`, the line and the bad field.
 */
export function parseHashBlock(
  block: Uint8Array,
  file: string,
  firstLine: number,
  allowed: readonly HashAlgorithm[],
  tableFor: (algorithm: HashAlgorithm) => HashTableBuilder,
): number {
  let line = firstLine;
  let s = 0;
  const n = block.length;
  const fail = (reason: string): never => {
    throw new SignatureSyntaxError(file, line, reason);
  };
  while (s < n) {
    let e = s;
    while (e < n && block[e] !== NEWLINE) e++;
    const next = e + 1;
    if (e > s && block[e - 1] === 13) e--;
    if (e > s && block[s] !== 35 /* # */) {
      let c1 = s;
      while (c1 < e && block[c1] !== COLON) c1++;
      let c2 = c1 + 1;
      while (c2 < e && block[c2] !== COLON) c2++;
      if (c2 >= e) fail('expected hash:size:name');
      const algorithm = ALGORITHM_BY_HEX_LENGTH[c1 - s];
      if (algorithm === undefined || !allowed.includes(algorithm)) {
        fail(`hash "${text(block, s, c1)}" has ${c1 - s} hex digits; expected ${allowed.map((a) => `${a} (${HEX_LENGTH[a]})`).join(' or ')}`);
      }
      let nameEnd = c2 + 1;
      while (nameEnd < e && block[nameEnd] !== COLON) nameEnd++;
      if (nameEnd === c2 + 1) fail('empty signature name');
      const size = c2 - c1 === 2 && block[c1 + 1] === 42 /* * */ ? ANY_SIZE : decimal(block, c1 + 1, c2, 'size', fail);
      let applies = true;
      if (nameEnd < e) {
        let c4 = nameEnd + 1;
        while (c4 < e && block[c4] !== COLON) c4++;
        const min = decimal(block, nameEnd + 1, c4, 'minimum functionality level', fail);
        const max = c4 + 1 < e ? decimal(block, c4 + 1, e, 'maximum functionality level', fail) : undefined;
        applies = appliesToThisLevel(min, max);
      }
      if (applies) addEntry(tableFor(algorithm!), block, s, c1, size, c2 + 1, nameEnd, fail);
    }
    s = next;
    line++;
  }
  return line - firstLine;
}

function addEntry(t: HashTableBuilder, block: Uint8Array, s: number, c1: number, size: number, nameStart: number, nameEnd: number, fail: (r: string) => never): void {
  const nameLength = nameEnd - nameStart;
  t.reserve(nameLength);
  const digests = t.digests;
  let at = t.count * t.digestLength;
  for (let p = s; p < c1; p += 2) {
    const hi = HEX_VALUE[block[p]!]!;
    const lo = HEX_VALUE[block[p + 1]!]!;
    if ((hi | lo) < 0) fail(`hash "${text(block, s, c1)}" is not hexadecimal`);
    digests[at++] = (hi << 4) | lo;
  }
  const names = t.nameBytes;
  let used = t.nameUsed;
  for (let p = nameStart; p < nameEnd; p++) names[used++] = block[p]!;
  t.nameUsed = used;
  t.sizes[t.count] = size;
  t.nameEnds[t.count] = used;
  t.count++;
}
