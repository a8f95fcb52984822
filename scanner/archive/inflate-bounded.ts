import { constants, gunzipSync, inflateRawSync } from 'node:zlib';

export type InflateOutcome =
  | { readonly kind: 'ok'; readonly bytes: Uint8Array }
  | { readonly kind: 'too-big' }
  | { readonly kind: 'corrupt'; readonly reason: string };

/**
 * Inflates raw deflate (zip) or gzip data in memory, never producing more than `cap` bytes: zlib
 * stops at `maxOutputLength`, so a bomb costs at most `cap` bytes and the time to make them.
 * Truncated input gives what it holds (Z_SYNC_FLUSH), as ClamAV scans what it could extract.
 */
export function inflateBounded(format: 'raw' | 'gzip', input: Uint8Array, cap: number): InflateOutcome {
  const options = { maxOutputLength: Math.max(1, cap), finishFlush: constants.Z_SYNC_FLUSH };
  try {
    const bytes = format === 'raw' ? inflateRawSync(input, options) : gunzipSync(input, options);
    return { kind: 'ok', bytes };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return { kind: 'too-big' };
    return { kind: 'corrupt', reason: (err as Error).message };
  }
}

/** The name a gzip header carries (FNAME), if any. */
export function readGzipName(head: Uint8Array): string | null {
  if (head.length < 10 || (head[3]! & 0x08) === 0) return null;
  let at = 10;
  if ((head[3]! & 0x04) !== 0) at += 2 + (head[10]! | (head[11]! << 8));
  const end = head.indexOf(0, at);
  if (end < 0) return null;
  return new TextDecoder('latin1').decode(head.subarray(at, end));
}
