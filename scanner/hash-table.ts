import { growShared, NameTableBuilder, readName, type NameTableData } from './name-table.js';
import type { HashAlgorithm } from './types.js';
import { HASH_LENGTHS } from './types.js';

/** Size of a hash signature written as `*`: matches a file of any size. */
export const ANY_SIZE = -1;

/**
 * Hash signatures of one algorithm in flat shared arrays with an open-addressing index:
 * about 50 bytes per signature, so a million SHA-256 entries fit in ~60 MB and load in one pass.
 */
export interface HashTableData {
  readonly algorithm: HashAlgorithm;
  readonly count: number;
  readonly digests: Uint8Array;
  readonly sizes: Float64Array;
  readonly nameIndex: Uint32Array;
  readonly names: NameTableData;
  readonly index: Int32Array;
  /** Sorted distinct sizes, so a file whose size no signature has is never hashed. */
  readonly distinctSizes: Float64Array;
  readonly anySize: boolean;
}

export class HashTableBuilder {
  readonly digestLength: number;
  private digests: Uint8Array;
  private sizes: Float64Array;
  private nameIndex: Uint32Array;
  private readonly names: NameTableBuilder;
  count = 0;

  constructor(readonly algorithm: HashAlgorithm, expected = 16) {
    this.digestLength = HASH_LENGTHS[algorithm];
    const n = Math.max(16, expected);
    this.digests = new Uint8Array(new SharedArrayBuffer(n * this.digestLength));
    this.sizes = new Float64Array(new SharedArrayBuffer(n * 8));
    this.nameIndex = new Uint32Array(new SharedArrayBuffer(n * 4));
    this.names = new NameTableBuilder(n);
  }

  /** Room for the next digest; the caller writes it there, then calls `commit`. */
  nextDigestSlot(): Uint8Array {
    if ((this.count + 1) * this.digestLength > this.digests.length) {
      this.digests = growShared(this.digests, (this.count + 1) * this.digestLength);
    }
    const at = this.count * this.digestLength;
    return this.digests.subarray(at, at + this.digestLength);
  }

  commit(size: number, nameSource: Uint8Array, nameStart: number, nameEnd: number): void {
    if (this.count === this.sizes.length) {
      this.sizes = growShared(this.sizes, this.count + 1);
      this.nameIndex = growShared(this.nameIndex, this.count + 1);
    }
    this.sizes[this.count] = size;
    this.nameIndex[this.count] = this.names.add(nameSource, nameStart, nameEnd);
    this.count++;
  }

  finish(): HashTableData {
    const count = this.count;
    const digests = this.digests.subarray(0, count * this.digestLength);
    const sizes = this.sizes.subarray(0, count);
    return {
      algorithm: this.algorithm,
      count,
      digests,
      sizes,
      nameIndex: this.nameIndex.subarray(0, count),
      names: this.names.finish(),
      index: buildIndex(digests, this.digestLength, count),
      ...collectSizes(sizes),
    };
  }
}

function slotOf(digests: Uint8Array, at: number, mask: number): number {
  const a = (digests[at]! << 24) | (digests[at + 1]! << 16) | (digests[at + 2]! << 8) | digests[at + 3]!;
  const b = (digests[at + 4]! << 24) | (digests[at + 5]! << 16) | (digests[at + 6]! << 8) | digests[at + 7]!;
  // Mixing two words keeps hand-made digests (shared prefixes) from piling into one slot run.
  return (Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b) >>> 0) & mask;
}

function buildIndex(digests: Uint8Array, len: number, count: number): Int32Array {
  let capacity = 16;
  while (capacity < count * 2) capacity *= 2;
  const index = new Int32Array(new SharedArrayBuffer(capacity * 4)).fill(-1);
  const mask = capacity - 1;
  for (let i = 0; i < count; i++) {
    let slot = slotOf(digests, i * len, mask);
    while (index[slot] !== -1) slot = (slot + 1) & mask;
    index[slot] = i;
  }
  return index;
}

function collectSizes(sizes: Float64Array): { distinctSizes: Float64Array; anySize: boolean } {
  const sorted = Float64Array.from(sizes).sort();
  let n = 0;
  let anySize = false;
  for (let i = 0; i < sorted.length; i++) {
    const s = sorted[i]!;
    if (s === ANY_SIZE) anySize = true;
    else if (n === 0 || sorted[n - 1] !== s) sorted[n++] = s;
  }
  const distinctSizes = new Float64Array(new SharedArrayBuffer(Math.max(1, n) * 8));
  distinctSizes.set(sorted.subarray(0, n));
  return { distinctSizes: distinctSizes.subarray(0, n), anySize };
}

/** Whether any signature in the table could match a file of this size. */
export function isSizeWanted(table: HashTableData, size: number): boolean {
  if (table.anySize) return true;
  const sizes = table.distinctSizes;
  let lo = 0;
  let hi = sizes.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sizes[mid]!;
    if (v === size) return true;
    if (v < size) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
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
      if (s === size || s === ANY_SIZE) found.push(readName(table.names, table.nameIndex[i]!));
    }
    slot = (slot + 1) & mask;
  }
}

function equalAt(digests: Uint8Array, at: number, digest: Uint8Array): boolean {
  for (let k = 0; k < digest.length; k++) if (digests[at + k] !== digest[k]) return false;
  return true;
}
