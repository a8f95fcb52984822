/**
 * A Bloom filter of the file sizes that hash signatures name. It answers "might a signature
 * have this size?" in O(1) and builds in one pass, where a sorted list of a million sizes took
 * longer to sort than the rest of the load. A false "maybe" only costs hashing one file; the
 * exact size is still checked on lookup.
 */
export interface SizeFilterData {
  readonly bits: Uint8Array;
  readonly mask: number;
  readonly anySize: boolean;
}

function mix(size: number, seed: number): number {
  const lo = size >>> 0;
  const hi = Math.floor(size / 4294967296) >>> 0;
  let h = Math.imul(lo ^ seed, 0x9e3779b1) ^ Math.imul(hi + seed, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 13)) >>> 0;
}

/** Builds the filter over `count` sizes (-1 means the `*` wildcard). */
export function buildSizeFilter(sizes: Float64Array, count: number, anySizeMark: number): SizeFilterData {
  let bitCount = 1024;
  while (bitCount < count * 16) bitCount *= 2;
  const bits = new Uint8Array(new SharedArrayBuffer(bitCount / 8));
  const mask = bitCount - 1;
  let anySize = false;
  for (let i = 0; i < count; i++) {
    const s = sizes[i]!;
    if (s === anySizeMark) {
      anySize = true;
      continue;
    }
    const a = mix(s, 0x2545f491) & mask;
    const b = mix(s, 0x6a09e667) & mask;
    bits[a >>> 3]! |= 1 << (a & 7);
    bits[b >>> 3]! |= 1 << (b & 7);
  }
  return { bits, mask, anySize };
}

export function mightHaveSize(filter: SizeFilterData, size: number): boolean {
  if (filter.anySize) return true;
  const a = mix(size, 0x2545f491) & filter.mask;
  const b = mix(size, 0x6a09e667) & filter.mask;
  return (filter.bits[a >>> 3]! & (1 << (a & 7))) !== 0 && (filter.bits[b >>> 3]! & (1 << (b & 7))) !== 0;
}
