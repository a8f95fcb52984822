import Bunzip from 'seek-bzip';
import type { InflateOutcome } from './inflate-bounded.js';

class Full extends Error {}

/**
 * Decodes bzip2 data (every stream of a multi-stream file) in memory, never holding more than
 * `cap` bytes: the sink stops the decoder as soon as one more byte would not fit.
 */
export function bunzipBounded(input: Uint8Array, cap: number): InflateOutcome {
  let out = new Uint8Array(Math.min(cap, Math.max(65536, input.length * 4)));
  let at = 0;
  const sink = {
    writeByte(byte: number): void {
      if (at === out.length) {
        if (at >= cap) throw new Full();
        const bigger = new Uint8Array(Math.min(cap, out.length * 2));
        bigger.set(out);
        out = bigger;
      }
      out[at++] = byte;
    },
  };
  try {
    Bunzip.decode(input, sink, true);
    return { kind: 'ok', bytes: out.subarray(0, at) };
  } catch (err) {
    if (err instanceof Full) return { kind: 'too-big' };
    // Truncated data: scan what was decoded, as for deflate.
    if (at > 0) return { kind: 'ok', bytes: out.subarray(0, at) };
    return { kind: 'corrupt', reason: err instanceof Error ? err.message : String(err) };
  }
}
