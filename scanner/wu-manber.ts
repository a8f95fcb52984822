/**
 * Multi-pattern search (Wu-Manber with 2-byte blocks). Patterns are the literal anchors of
 * signature parts; only the first `m` bytes of each drive the shift table, so on random data
 * most positions are skipped m-1 bytes at a time, which is where the speed over a byte-at-a-time
 * automaton comes from.
 */
export class WuManber {
  readonly m: number;
  readonly maxLength: number;
  private readonly shift = new Uint8Array(65536);
  private readonly bucketStart = new Int32Array(65537);
  private readonly bucketItems: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly starts: Int32Array;
  private readonly lengths: Int32Array;
  private readonly ids: Int32Array;

  /** `patterns[i]` must be at least `m` (>= 2) bytes long; hits report `ids[i]`. */
  constructor(m: number, patterns: readonly Uint8Array[], ids: readonly number[]) {
    if (m < 2 || m > 255) throw new RangeError(`Wu-Manber window ${m} out of range`);
    this.m = m;
    const total = patterns.reduce((n, p) => n + p.length, 0);
    this.bytes = new Uint8Array(total);
    this.starts = new Int32Array(patterns.length);
    this.lengths = new Int32Array(patterns.length);
    this.ids = Int32Array.from(ids);
    this.shift.fill(m - 1);
    let at = 0;
    let maxLength = 0;
    const blockOf = (p: Uint8Array, j: number): number => (p[j - 1]! << 8) | p[j]!;
    patterns.forEach((p, i) => {
      if (p.length < m) throw new RangeError(`pattern ${i} shorter than window ${m}`);
      this.bytes.set(p, at);
      this.starts[i] = at;
      this.lengths[i] = p.length;
      at += p.length;
      maxLength = Math.max(maxLength, p.length);
      for (let j = 1; j < m; j++) {
        const block = blockOf(p, j);
        this.shift[block] = Math.min(this.shift[block]!, m - 1 - j);
      }
      this.bucketStart[blockOf(p, m - 1) + 1]!++;
    });
    this.maxLength = maxLength;
    for (let b = 0; b < 65536; b++) this.bucketStart[b + 1]! += this.bucketStart[b]!;
    this.bucketItems = new Int32Array(patterns.length);
    const fill = this.bucketStart.slice(0, 65536);
    patterns.forEach((p, i) => {
      this.bucketItems[fill[blockOf(p, m - 1)]!++] = i;
    });
  }

  /**
   * Reports every pattern occurrence whose start lies in [from, to) and whose bytes lie within
   * `data[0, dataEnd)`, in increasing start order, as `onHit(start, id)`.
   */
  search(data: Uint8Array, from: number, to: number, dataEnd: number, onHit: (start: number, id: number) => void): void {
    const m = this.m;
    const shift = this.shift;
    const last = Math.min(to + m - 1, dataEnd);
    let pos = from + m - 1;
    while (pos < last) {
      const sh = shift[(data[pos - 1]! << 8) | data[pos]!]!;
      if (sh !== 0) {
        pos += sh;
        continue;
      }
      this.checkBucket(data, pos, dataEnd, onHit);
      pos++;
    }
  }

  private checkBucket(data: Uint8Array, pos: number, dataEnd: number, onHit: (start: number, id: number) => void): void {
    const block = (data[pos - 1]! << 8) | data[pos]!;
    const start = pos - this.m + 1;
    for (let k = this.bucketStart[block]!, end = this.bucketStart[block + 1]!; k < end; k++) {
      const i = this.bucketItems[k]!;
      const len = this.lengths[i]!;
      if (start + len > dataEnd) continue;
      const at = this.starts[i]!;
      let j = 0;
      while (j < len && data[start + j] === this.bytes[at + j]) j++;
      if (j === len) onHit(start, this.ids[i]!);
    }
  }
}
