/**
 * Random access to the bytes of a file or of a member already held in memory. The engine reads
 * archives only through this, so the caller decides how bytes are fetched (a descriptor, a buffer).
 */
export interface ByteSource {
  readonly size: number;
  /** Reads up to `into.length` bytes at `position`; returns how many were read (0 at the end). */
  readAt(into: Uint8Array, position: number): number;
}

/** A source over bytes in memory. */
export function createBufferSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    readAt(into, position) {
      if (position >= bytes.length) return 0;
      const n = Math.min(into.length, bytes.length - position);
      into.set(bytes.subarray(position, position + n));
      return n;
    },
  };
}

/** Reads `length` bytes at `position` (fewer if the source ends first). */
export function readRange(source: ByteSource, position: number, length: number): Uint8Array {
  const out = new Uint8Array(Math.max(0, Math.min(length, source.size - position)));
  let at = 0;
  while (at < out.length) {
    const n = source.readAt(out.subarray(at), position + at);
    if (n <= 0) break;
    at += n;
  }
  return at === out.length ? out : out.subarray(0, at);
}
