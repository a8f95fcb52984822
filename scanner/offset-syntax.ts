import { FieldSyntaxError } from './errors.js';
import type { OffsetSpec } from './types.js';

const DECIMAL = /^\d+$/;

function parseCount(text: string, what: string): number {
  if (!DECIMAL.test(text)) throw new FieldSyntaxError(`${what} "${text}" is not a decimal number`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new FieldSyntaxError(`${what} "${text}" is too large`);
  return value;
}

/**
 * Parses a ClamAV body-signature offset: `*`, `n`, `n,maxshift`, `EOF-n`, `EOF-n,maxshift`.
 * @throws FieldSyntaxError for any other form (EP+, Sx+, SL+, VI, macros are not supported).
 */
export function parseOffset(text: string): OffsetSpec {
  if (text === '*') return { kind: 'any' };
  const [base, shiftText, extra] = text.split(',');
  if (extra !== undefined) throw new FieldSyntaxError(`offset "${text}" has more than one ","`);
  const maxShift = shiftText === undefined ? 0 : parseCount(shiftText, 'offset maxshift');
  if (base!.startsWith('EOF-')) {
    return { kind: 'from-end', back: parseCount(base!.slice(4), 'offset after EOF-'), maxShift };
  }
  if (DECIMAL.test(base!)) return { kind: 'absolute', start: parseCount(base!, 'offset'), maxShift };
  throw new FieldSyntaxError(
    `unsupported offset "${text}" (supported: *, n, n,maxshift, EOF-n, EOF-n,maxshift)`,
  );
}

/** The inclusive range of start positions an offset allows in a file of `size` bytes, or null. */
export function resolveOffset(offset: OffsetSpec, size: number): { lo: number; hi: number } | null {
  switch (offset.kind) {
    case 'any':
      return { lo: 0, hi: Number.MAX_SAFE_INTEGER };
    case 'absolute':
      return offset.start > size ? null : { lo: offset.start, hi: offset.start + offset.maxShift };
    case 'from-end': {
      const lo = size - offset.back;
      return lo < 0 ? null : { lo, hi: lo + offset.maxShift };
    }
  }
}
