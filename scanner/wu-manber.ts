/**
 * Multi-pattern search (Wu-Manber with 2-byte blocks). Patterns are the literal anchors of
 * signature parts; only the first `m` bytes of each drive the shift table, so on random data
 * most positions are skipped m-1 bytes at a time, which is where the speed over a byte-at-a-time
 * automaton comes from.
 */
/** Told of each hit; returns true to stop the search. */
export type HitHandler = (start: number, id: number) => boolean;

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
   * `data[0, dataEnd)`, as `onHit(start, id)`, until `onHit` returns true (stop). Hits are NOT
   * in start order (see below). Returns true when stopped.
   *
   * Each step's table lookup depends on the previous step's shift, so one scan pointer is bound
   * by memory latency, not by the CPU. Four pointers over four slices of the range give the CPU
   * four independent chains to overlap, for about twice the speed on large ranges.
   */
  search(data: Uint8Array, from: number, to: number, dataEnd: number, onHit: HitHandler): boolean {
    const m = this.m;
    const lanes = to - from >= 4096 ? 4 : 1;
    const step = Math.ceil((to - from) / lanes);
    if (lanes === 1) return this.searchLane(data, from + m - 1, Math.min(to + m - 1, dataEnd), dataEnd, onHit);
    const shift = this.shift;
    // Lane k covers starts [from + k*step, from + (k+1)*step); positions point at a window's last byte.
    let p0 = from + m - 1;
    let p1 = p0 + step;
    let p2 = p1 + step;
    let p3 = p2 + step;
    const e0 = Math.min(from + step + m - 1, dataEnd);
    const e1 = Math.min(e0 + step, dataEnd);
    const e2 = Math.min(e1 + step, dataEnd);
    const e3 = Math.min(to + m - 1, dataEnd);
    while (p0 < e0 && p1 < e1 && p2 < e2 && p3 < e3) {
      const s0 = shift[(data[p0 - 1]! << 8) | data[p0]!]!;
      const s1 = shift[(data[p1 - 1]! << 8) | data[p1]!]!;
      const s2 = shift[(data[p2 - 1]! << 8) | data[p2]!]!;
      const s3 = shift[(data[p3 - 1]! << 8) | data[p3]!]!;
      if ((s0 === 0 || s1 === 0 || s2 === 0 || s3 === 0)) {
        if (s0 === 0 && this.checkBucket(data, p0, dataEnd, onHit)) return true;
        if (s1 === 0 && this.checkBucket(data, p1, dataEnd, onHit)) return true;
        if (s2 === 0 && this.checkBucket(data, p2, dataEnd, onHit)) return true;
        if (s3 === 0 && this.checkBucket(data, p3, dataEnd, onHit)) return true;
      }
      p0 += s0 || 1;
      p1 += s1 || 1;
      p2 += s2 || 1;
      p3 += s3 || 1;
    }
    return (
      this.searchLane(data, p0, e0, dataEnd, onHit) ||
      this.searchLane(data, p1, e1, dataEnd, onHit) ||
      this.searchLane(data, p2, e2, dataEnd, onHit) ||
      this.searchLane(data, p3, e3, dataEnd, onHit)
    );
  }

  private searchLane(data: Uint8Array, pos: number, last: number, dataEnd: number, onHit: HitHandler): boolean {
    const shift = this.shift;
    while (pos < last) {
      const sh = shift[(data[pos - 1]! << 8) | data[pos]!]!;
      if (sh !== 0) {
        pos += sh;
        continue;
      }
      if (this.checkBucket(data, pos, dataEnd, onHit)) return true;
      pos++;
    }
    return false;
  }

  private checkBucket(data: Uint8Array, pos: number, dataEnd: number, onHit: HitHandler): boolean {
    const block = (data[pos - 1]! << 8) | data[pos]!;
    const start = pos - this.m + 1;
    for (let k = this.bucketStart[block]!, end = this.bucketStart[block + 1]!; k < end; k++) {
      const i = this.bucketItems[k]!;
      const len = this.lengths[i]!;
      if (start + len > dataEnd) continue;
      const at = this.starts[i]!;
      let j = 0;
      while (j < len && data[start + j] === this.bytes[at + j]) j++;
      if (j === len && onHit(start, this.ids[i]!)) return true;
    }
    return false;
  }
}
