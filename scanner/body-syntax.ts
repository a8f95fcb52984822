import { FieldSyntaxError } from './errors.js';
import type { AltByte, BodyPart, BodyToken } from './types.js';

/** Largest bounded gap accepted inside a part; bigger ranges would make the scan window huge. */
export const MAX_BOUNDED_GAP = 1 << 20;

const HEX = '0123456789abcdef';

function nibble(ch: string): number {
  return HEX.indexOf(ch.toLowerCase());
}

/** Reads one pattern byte (`ab`, `a?`, `?b`, `??`) at `i`, or throws naming the column. */
function readPatternByte(body: string, i: number): AltByte {
  const hi = body[i];
  const lo = body[i + 1];
  if (hi === undefined || lo === undefined) {
    throw new FieldSyntaxError(`odd number of hex digits at column ${i + 1}`);
  }
  const h = hi === '?' ? -1 : nibble(hi);
  const l = lo === '?' ? -1 : nibble(lo);
  if ((hi !== '?' && h < 0) || (lo !== '?' && l < 0)) {
    throw new FieldSyntaxError(`unsupported token "${hi}${lo}" at column ${i + 1}`);
  }
  return {
    value: (h < 0 ? 0 : h << 4) | (l < 0 ? 0 : l),
    mask: (h < 0 ? 0 : 0xf0) | (l < 0 ? 0 : 0x0f),
  };
}

/** Parses `{n}`, `{-n}`, `{n-}`, `{n-m}` starting at `i` (the `{`). */
function readRange(body: string, i: number): { min: number; max: number; end: number } {
  const close = body.indexOf('}', i);
  if (close < 0) throw new FieldSyntaxError(`unclosed "{" at column ${i + 1}`);
  const inner = body.slice(i + 1, close);
  const m = /^(\d*)(-?)(\d*)$/.exec(inner);
  if (!m || (m[1] === '' && m[3] === '') || (m[2] === '' && (m[1] === '' || m[3] !== ''))) {
    throw new FieldSyntaxError(`malformed range "{${inner}}" at column ${i + 1}`);
  }
  const min = m[1] === '' ? 0 : Number(m[1]);
  const max = m[2] === '' ? min : m[3] === '' ? Infinity : Number(m[3]);
  if (min > max) throw new FieldSyntaxError(`range "{${inner}}" at column ${i + 1} has min > max`);
  if (min > MAX_BOUNDED_GAP || (max !== Infinity && max > MAX_BOUNDED_GAP)) {
    throw new FieldSyntaxError(`range "{${inner}}" at column ${i + 1} is larger than ${MAX_BOUNDED_GAP}`);
  }
  return { min, max, end: close + 1 };
}

/** Parses `(aa|bb)` or `!(aa|bb)`; `i` points at `(`. */
function readAlternatives(body: string, i: number, negated: boolean): { token: BodyToken; end: number } {
  const close = body.indexOf(')', i);
  if (close < 0) throw new FieldSyntaxError(`unclosed "(" at column ${i + 1}`);
  const inner = body.slice(i + 1, close);
  if (/^[BLW]$/i.test(inner)) {
    throw new FieldSyntaxError(`unsupported anchor "(${inner})" at column ${i + 1}`);
  }
  const options: AltByte[][] = [];
  let col = i + 1;
  for (const text of inner.split('|')) {
    if (text.length === 0) throw new FieldSyntaxError(`empty alternative in "(${inner})" at column ${i + 1}`);
    const option: AltByte[] = [];
    for (let k = 0; k < text.length; k += 2) option.push(readPatternByte(body, col + k));
    options.push(option);
    col += text.length + 1;
  }
  if (options.length < 2 && !negated) {
    throw new FieldSyntaxError(`alternative "(${inner})" at column ${i + 1} needs at least two choices`);
  }
  if (negated && options.some((o) => o.length !== options[0]!.length)) {
    throw new FieldSyntaxError(`negated alternatives "!(${inner})" at column ${i + 1} must all have the same length`);
  }
  return { token: { kind: 'alt', negated, options }, end: close + 1 };
}

function closePart(parts: BodyPart[], tokens: BodyToken[], minGapBefore: number, column: number): void {
  if (tokens.length === 0) throw new FieldSyntaxError(`empty part before column ${column} (nothing to match between wildcards)`);
  if (tokens[0]!.kind === 'gap' || tokens[tokens.length - 1]!.kind === 'gap') {
    throw new FieldSyntaxError(`a gap cannot start or end a pattern (before column ${column})`);
  }
  parts.push({ tokens, minGapBefore });
}

/**
 * Parses the hex body of an `.ndb` signature into parts separated by unbounded gaps.
 * Supported: hex bytes, `??`, `a?`, `?a`, `*`, `{n}`, `{-n}`, `{n-}`, `{n-m}`, `(aa|bb)`, `!(aa|bb)`.
 * `partColumns`, when given, receives the (1-based) column in `body` where each part starts.
 * @throws FieldSyntaxError naming the column of anything else.
 */
export function parseBody(body: string, partColumns?: number[]): BodyPart[] {
  if (body.length === 0) throw new FieldSyntaxError('empty body');
  const parts: BodyPart[] = [];
  let tokens: BodyToken[] = [];
  let gapBefore = 0;
  let i = 0;
  partColumns?.push(1);
  while (i < body.length) {
    const ch = body[i]!;
    if (ch === '*') {
      closePart(parts, tokens, gapBefore, i + 1);
      tokens = [];
      gapBefore = 0;
      i += 1;
      partColumns?.push(i + 1);
    } else if (ch === '{') {
      const range = readRange(body, i);
      if (range.max === Infinity) {
        closePart(parts, tokens, gapBefore, i + 1);
        tokens = [];
        gapBefore = range.min;
        partColumns?.push(range.end + 1);
      } else {
        tokens.push({ kind: 'gap', min: range.min, max: range.max });
      }
      i = range.end;
    } else if (ch === '(' || (ch === '!' && body[i + 1] === '(')) {
      const negated = ch === '!';
      const alt = readAlternatives(body, negated ? i + 1 : i, negated);
      tokens.push(alt.token);
      i = alt.end;
    } else {
      const b = readPatternByte(body, i);
      tokens.push({ kind: 'byte', value: b.value, mask: b.mask });
      i += 2;
    }
  }
  closePart(parts, tokens, gapBefore, body.length + 1);
  return parts;
}
