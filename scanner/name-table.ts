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
