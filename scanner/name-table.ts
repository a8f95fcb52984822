const decoder = new TextDecoder();

/**
 * Signature names stored as UTF-8 bytes in one shared buffer: a million names as JS strings
 * would cost more memory than the hashes themselves, and a shared buffer crosses to worker
 * threads without a copy.
 */
export interface NameTableData {
  readonly bytes: Uint8Array;
  readonly ends: Uint32Array;
  readonly count: number;
}

export class NameTableBuilder {
  private bytes: Uint8Array;
  private ends: Uint32Array;
  private used = 0;
  count = 0;

  constructor(expectedNames = 16) {
    this.bytes = new Uint8Array(new SharedArrayBuffer(Math.max(64, expectedNames * 24)));
    this.ends = new Uint32Array(new SharedArrayBuffer(Math.max(16, expectedNames) * 4));
  }

  /** Appends `src[start, end)` as the next name and returns its index. */
  add(src: Uint8Array, start: number, end: number): number {
    const len = end - start;
    if (this.used + len > this.bytes.length) this.bytes = growShared(this.bytes, this.used + len);
    if (this.count === this.ends.length) this.ends = growShared(this.ends, this.count + 1);
    this.bytes.set(src.subarray(start, end), this.used);
    this.used += len;
    this.ends[this.count] = this.used;
    return this.count++;
  }

  finish(): NameTableData {
    return { bytes: this.bytes.subarray(0, this.used), ends: this.ends.subarray(0, this.count), count: this.count };
  }
}

export function readName(table: NameTableData, index: number): string {
  const start = index === 0 ? 0 : table.ends[index - 1]!;
  return decoder.decode(table.bytes.subarray(start, table.ends[index]!));
}

type SharedArray = Uint8Array | Uint32Array | Float64Array | Int32Array;

/** Returns a shared copy at least `minLength` long, doubling to keep appends amortised O(1). */
export function growShared<T extends SharedArray>(array: T, minLength: number): T {
  const length = Math.max(minLength, array.length * 2);
  const Ctor = array.constructor as new (buffer: SharedArrayBuffer) => T;
  const next = new Ctor(new SharedArrayBuffer(length * array.BYTES_PER_ELEMENT));
  next.set(array as never);
  return next;
}
