import type { BodySignature, BodyToken } from '../../scanner/types.js';

/**
 * An independent reference matcher for tests: a body signature turned into a JavaScript regular
 * expression over the latin1 string of the bytes. Slow, but written nothing like the engine.
 */
function byteClass(value: number, mask: number): string {
  if (mask === 0) return '[\\s\\S]';
  const chars: string[] = [];
  for (let b = 0; b < 256; b++) if ((b & mask) === value) chars.push(`\\x${b.toString(16).padStart(2, '0')}`);
  return chars.length === 1 ? chars[0]! : `[${chars.join('')}]`;
}

function tokenSource(t: BodyToken): string {
  if (t.kind === 'byte') return byteClass(t.value, t.mask);
  if (t.kind === 'gap') return `[\\s\\S]{${t.min},${t.max}}`;
  const options = t.options.map((o) => o.map((b) => byteClass(b.value, b.mask)).join(''));
  if (!t.negated) return `(?:${options.join('|')})`;
  return `(?!${options.join('|')})[\\s\\S]{${t.options[0]!.length}}`;
}

export function signatureRegex(sig: BodySignature): RegExp {
  const source = sig.parts
    .map((p, i) => (i === 0 ? '' : `[\\s\\S]{${p.minGapBefore},}?`) + p.tokens.map(tokenSource).join(''))
    .join('');
  return new RegExp(source, 'y');
}

/** Whether the signature matches anywhere its offset allows. */
export function oracleMatches(sig: BodySignature, bytes: Uint8Array): boolean {
  const text = Buffer.from(bytes).toString('latin1');
  const re = signatureRegex(sig);
  let lo = 0;
  let hi = bytes.length;
  if (sig.offset.kind === 'absolute') {
    lo = sig.offset.start;
    hi = lo + sig.offset.maxShift;
  } else if (sig.offset.kind === 'from-end') {
    lo = bytes.length - sig.offset.back;
    if (lo < 0) return false;
    hi = lo + sig.offset.maxShift;
  }
  for (let start = lo; start <= Math.min(hi, bytes.length); start++) {
    re.lastIndex = start;
    if (re.test(text)) return true;
  }
  return false;
}
