import { FieldSyntaxError } from './errors.js';
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

const ALGORITHM_BY_HEX_LENGTH: Record<number, HashAlgorithm> = { 32: 'md5', 40: 'sha1', 64: 'sha256' };

/** Which algorithms each hash-file type allows; `.hsb`/`.sfp` tell them apart by length. */
export const HASH_FILE_ALGORITHMS: Record<string, readonly HashAlgorithm[]> = {
  '.hdb': ['md5'],
  '.fp': ['md5'],
  '.hsb': ['md5', 'sha1', 'sha256'],
  '.sfp': ['md5', 'sha1', 'sha256'],
};

function decimalAt(data: Uint8Array, start: number, end: number, what: string): number {
  if (start === end) throw new FieldSyntaxError(`empty ${what}`);
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = data[i]! - 48;
    if (c < 0 || c > 9) throw new FieldSyntaxError(`${what} "${text(data, start, end)}" is not a decimal number`);
    value = value * 10 + c;
  }
  if (!Number.isSafeInteger(value)) throw new FieldSyntaxError(`${what} "${text(data, start, end)}" is too large`);
  return value;
}

function text(data: Uint8Array, start: number, end: number): string {
  return Buffer.from(data.buffer, data.byteOffset + start, Math.min(end - start, 80)).toString('utf8');
}

/**
 * Parses one `hash:size:name[:minlevel[:maxlevel]]` line straight from bytes into the table of
 * its algorithm (tables are created on demand through `tableFor`).
 * @throws FieldSyntaxError describing the bad field.
 */
export function parseHashLine(
  data: Uint8Array,
  start: number,
  end: number,
  allowed: readonly HashAlgorithm[],
  tableFor: (algorithm: HashAlgorithm) => HashTableBuilder,
): void {
  const c1 = data.indexOf(COLON, start);
  const c2 = c1 < 0 || c1 >= end ? -1 : data.indexOf(COLON, c1 + 1);
  if (c1 < 0 || c1 >= end || c2 < 0 || c2 >= end) {
    throw new FieldSyntaxError('expected hash:size:name');
  }
  const algorithm = ALGORITHM_BY_HEX_LENGTH[c1 - start];
  if (!algorithm || !allowed.includes(algorithm)) {
    throw new FieldSyntaxError(
      `hash "${text(data, start, c1)}" has ${c1 - start} hex digits; expected ${allowed.map((a) => `${a} (${lengthOf(a)})`).join(' or ')}`,
    );
  }
  let c3 = data.indexOf(COLON, c2 + 1);
  if (c3 >= end) c3 = -1;
  const nameEnd = c3 < 0 ? end : c3;
  if (nameEnd === c2 + 1) throw new FieldSyntaxError('empty signature name');
  let minLevel: number | undefined;
  let maxLevel: number | undefined;
  if (c3 >= 0) {
    let c4 = data.indexOf(COLON, c3 + 1);
    if (c4 >= end) c4 = -1;
    minLevel = decimalAt(data, c3 + 1, c4 < 0 ? end : c4, 'minimum functionality level');
    if (c4 >= 0 && c4 + 1 < end) maxLevel = decimalAt(data, c4 + 1, end, 'maximum functionality level');
  }
  const anySize = c2 - c1 === 2 && data[c1 + 1] === 42;
  const size = anySize ? ANY_SIZE : decimalAt(data, c1 + 1, c2, 'size');
  if (!appliesToThisLevel(minLevel, maxLevel)) return;
  const table = tableFor(algorithm);
  const slot = table.nextDigestSlot();
  for (let i = 0, p = start; i < slot.length; i++, p += 2) {
    const hi = HEX_VALUE[data[p]!]!;
    const lo = HEX_VALUE[data[p + 1]!]!;
    if ((hi | lo) < 0) throw new FieldSyntaxError(`hash "${text(data, start, c1)}" is not hexadecimal`);
    slot[i] = (hi << 4) | lo;
  }
  table.commit(size, data, c2 + 1, nameEnd);
}

function lengthOf(algorithm: HashAlgorithm): number {
  return algorithm === 'md5' ? 32 : algorithm === 'sha1' ? 40 : 64;
}
