import { growShared, readName, type NameTableData } from './name-table.js';
import { buildSizeFilter, mightHaveSize, type SizeFilterData } from './size-filter.js';
import type { HashAlgorithm } from './types.js';
import { HASH_LENGTHS } from './types.js';

/** Size of a hash signature written as `*`: matches a file of any size. */
export const ANY_SIZE = -1;

/**
 * Hash signatures of one algorithm in flat shared arrays with an open-addressing index:
 * about 80 bytes per SHA-256 signature, so a million fit in ~80 MB, load in one pass, and
 * cross to worker threads without a copy.
 */
export interface HashTableData {
  readonly algorithm: HashAlgorithm;
  readonly count: number;
  readonly digests: Uint8Array;
  readonly sizes: Float64Array;
  readonly names: NameTableData;
  readonly index: Int32Array;
  readonly sizeFilter: SizeFilterData;
}

/**
 * Collects entries; the parser writes straight into its arrays (after `reserve`) because a
 * method call per field was most of the load time for a million lines.
 */
export class HashTableBuilder {
  readonly digestLength: number;
  digests: Uint8Array;
  sizes: Float64Array;
  nameBytes: Uint8Array;
  nameEnds: Uint32Array;
  nameUsed = 0;
  count = 0;

  constructor(readonly algorithm: HashAlgorithm, expected = 16) {
    this.digestLength = HASH_LENGTHS[algorithm];
    const n = Math.max(16, expected);
    this.digests = new Uint8Array(new SharedArrayBuffer(n * this.digestLength));
    this.sizes = new Float64Array(new SharedArrayBuffer(n * 8));
    this.nameBytes = new Uint8Array(new SharedArrayBuffer(n * 20));
    this.nameEnds = new Uint32Array(new SharedArrayBuffer(n * 4));
  }

  /** Makes room for one more entry whose name is `nameLength` bytes. */
  reserve(nameLength: number): void {
    if (this.count === this.sizes.length) {
      this.digests = growShared(this.digests, (this.count + 1) * this.digestLength);
      this.sizes = growShared(this.sizes, this.count + 1);
      this.nameEnds = growShared(this.nameEnds, this.count + 1);
    }
    if (this.nameUsed + nameLength > this.nameBytes.length) this.nameBytes = growShared(this.nameBytes, this.nameUsed + nameLength);
  }

  finish(): HashTableData {
    const count = this.count;
    const digests = trim(this.digests, count * this.digestLength);
    const sizes = trim(this.sizes, count);
    return {
      algorithm: this.algorithm,
      count,
      digests,
      sizes,
      names: { bytes: trim(this.nameBytes, this.nameUsed), ends: trim(this.nameEnds, count), count },
      index: buildIndex(digests, this.digestLength, count),
      sizeFilter: buildSizeFilter(sizes, count, ANY_SIZE),
    };
  }
}

/**
 * Gives back over-reserved memory when a file's line count overestimated one algorithm (a mixed
 * `.hsb`). Small slack is kept: the copy would briefly cost more memory than it saves.
 */
function trim<T extends Uint8Array | Uint32Array | Float64Array>(array: T, length: number): T {
  if (length >= array.length * 0.5) return array.subarray(0, length) as T;
  const Ctor = array.constructor as new (buffer: SharedArrayBuffer) => T;
  const copy = new Ctor(new SharedArrayBuffer(Math.max(1, length) * array.BYTES_PER_ELEMENT));
  copy.set(array.subarray(0, length) as never);
  return copy.subarray(0, length) as T;
}

function slotOf(digests: Uint8Array, at: number, mask: number): number {
  const a = (digests[at]! << 24) | (digests[at + 1]! << 16) | (digests[at + 2]! << 8) | digests[at + 3]!;
  const b = (digests[at + 4]! << 24) | (digests[at + 5]! << 16) | (digests[at + 6]! << 8) | digests[at + 7]!;
  // Mixing two words keeps hand-made digests (shared prefixes) from piling into one slot run.
  return (Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b) >>> 0) & mask;
}

function buildIndex(digests: Uint8Array, len: number, count: number): Int32Array {
  let capacity = 16;
  while (capacity < count * 1.5) capacity *= 2;
  const index = new Int32Array(new SharedArrayBuffer(capacity * 4)).fill(-1);
  const mask = capacity - 1;
  for (let i = 0; i < count; i++) {
    let slot = slotOf(digests, i * len, mask);
    while (index[slot] !== -1) slot = (slot + 1) & mask;
    index[slot] = i;
  }
  return index;
}

/** Whether any signature in the table could match a file of this size (false "maybe" possible). */
export function isSizeWanted(table: HashTableData, size: number): boolean {
  return table.count > 0 && mightHaveSize(table.sizeFilter, size);
}

/** Names of every signature with this digest whose size is `size` or `*`. */
export function lookupDigest(table: HashTableData, digest: Uint8Array, size: number): string[] {
  const len = digest.length;
  const found: string[] = [];
  if (table.count === 0 || len !== HASH_LENGTHS[table.algorithm]) return found;
  const mask = table.index.length - 1;
  let slot = slotOf(digest, 0, mask);
  for (;;) {
    const i = table.index[slot]!;
    if (i === -1) return found;
    if (equalAt(table.digests, i * len, digest)) {
      const s = table.sizes[i]!;
      if (s === size || s === ANY_SIZE) found.push(readName(table.names, i));
    }
    slot = (slot + 1) & mask;
  }
}

function equalAt(digests: Uint8Array, at: number, digest: Uint8Array): boolean {
  for (let k = 0; k < digest.length; k++) if (digests[at + k] !== digest[k]) return false;
  return true;
}
